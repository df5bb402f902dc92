/**
 * How a workflow's audit event gets its id, so that a retried step is stored once
 * and a different event is never suppressed (docs/audit-log.md, "Idempotency").
 *
 * The id is derived from (workflow id, run id, sequence number): a retry of the
 * activity carries the same input, so the same id and the same content — stored once.
 * After a lost workflow task, though, the task runs again and the same sequence
 * number may come back with other content:
 * - the same step at a later workflow time (the retried task's clock): only
 *   event_timestamp (and the event_date it implies) differ. The earlier attempt's
 *   record stands; its id is returned. Storing the step twice would say it happened twice.
 * - another event (the retried task saw a signal the first did not and took another
 *   path): it is stored under an id derived from the sequence number and a digest of
 *   its content, which is deterministic too, so its own retries are stored once.
 * The writer refuses to treat either as "already stored" (AuditConflictError), which
 * is what makes the second case visible instead of silently lost.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { AuditConflictError } from './idempotency.js';
import { deterministicEventId } from './ids.js';
import type { AuditEventInput, AuditWriter } from './types.js';

/** Fields that differ when the same step is recorded again by a retried workflow task. */
const CLOCK_FIELDS = new Set(['event_timestamp', 'event_date']);

export interface WorkflowEventRef {
  workflowId: string;
  runId: string;
  seq: number;
  event: AuditEventInput;
}

/** The id of a different event at the same sequence number: the digest leaves out the clock. */
export function divergentEventId(ref: WorkflowEventRef): string {
  const { event_timestamp: _clock, event_id: _id, ...content } = ref.event;
  const digest = createHash('sha256').update(stringify(content)!).digest('hex');
  return deterministicEventId(ref.workflowId, ref.runId, ref.seq, digest);
}

const onlyClock = (err: AuditConflictError) =>
  err.conflicts.every((c) => c.fields.every((f) => CLOCK_FIELDS.has(f)));

/** Writes the event idempotently; returns the id under which it is stored. */
export async function writeWorkflowEvent(writer: AuditWriter, ref: WorkflowEventRef): Promise<string> {
  const ids = [deterministicEventId(ref.workflowId, ref.runId, ref.seq), divergentEventId(ref)];
  for (const event_id of ids) {
    try {
      await writer.write([{ ...ref.event, event_id }]);
      return event_id;
    } catch (err) {
      if (!(err instanceof AuditConflictError)) throw err;
      if (onlyClock(err)) return event_id;
    }
  }
  // Both ids hold other content: only a digest collision gets here.
  throw new Error(`audit event ${ids[1]} of ${ref.workflowId} #${ref.seq} is stored with other content`);
}
