/**
 * Deterministic audit event ids for writers that may repeat a step, so that a
 * retried step is stored once and a different event is never suppressed
 * (docs/audit-log.md, "Idempotency by content").
 *
 * The id is derived from the step's parts (e.g. workflow id, run id, sequence
 * number): a retry with the same content is stored once. When the same parts come
 * back with other content, the writer refuses it (AuditConflictError) rather than
 * call it "already stored", and then:
 * - `clockIsSameStep` and only event_timestamp (and the event_date it implies)
 *   differ: the same step recorded again at a later clock (a workflow task retried
 *   after it was lost). The first record stands; its id is returned.
 * - otherwise it is another event (a retried workflow task that took another path; a
 *   notification delivered again after its attempt was recorded but not counted):
 *   it is stored under an id derived from the parts and a digest of its content,
 *   deterministic too, so its own retries are stored once.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { AuditConflictError } from './idempotency.js';
import { deterministicEventId } from './ids.js';
import type { AuditEventInput, AuditWriter } from './types.js';

/** Fields that differ when the same step is recorded again at a later clock. */
const CLOCK_FIELDS = new Set(['event_timestamp', 'event_date']);

export interface DerivedIdOptions {
  /** A repeat differing only in its timestamp is the same step (the workflow's clock after a retried task). */
  clockIsSameStep: boolean;
}

/** The id of a different event with the same parts; without the clock when a later clock is the same step. */
export function divergentEventId(
  parts: (string | number)[],
  event: AuditEventInput,
  o: DerivedIdOptions,
): string {
  const { event_id: _id, ...content } = event;
  const hashed = o.clockIsSameStep ? { ...content, event_timestamp: undefined } : content;
  const digest = createHash('sha256').update(stringify(hashed)!).digest('hex');
  return deterministicEventId(...parts, digest);
}

const onlyClock = (err: AuditConflictError) =>
  err.conflicts.every((c) => c.fields.every((f) => CLOCK_FIELDS.has(f)));

/** Writes the event under an id derived from `parts`; returns the id under which it is stored. */
export async function writeWithDerivedId(
  writer: AuditWriter,
  parts: (string | number)[],
  event: AuditEventInput,
  o: DerivedIdOptions,
): Promise<string> {
  const ids = [deterministicEventId(...parts), divergentEventId(parts, event, o)];
  for (const event_id of ids) {
    try {
      await writer.write([{ ...event, event_id }]);
      return event_id;
    } catch (err) {
      if (!(err instanceof AuditConflictError)) throw err;
      if (o.clockIsSameStep && onlyClock(err)) return event_id;
    }
  }
  // Both ids hold other content: only a digest collision gets here.
  throw new Error(`audit event ${ids[1]} (${parts.join('/')}) is stored with other content`);
}

/** The workflow's events: (workflow id, run id, sequence number); a later clock is the same step. */
export const writeWorkflowEvent = (
  writer: AuditWriter,
  ref: { workflowId: string; runId: string; seq: number; event: AuditEventInput },
) => writeWithDerivedId(writer, [ref.workflowId, ref.runId, ref.seq], ref.event, { clockIsSameStep: true });
