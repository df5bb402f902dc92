/**
 * Deterministic audit event ids for writers that may repeat a step, so that a
 * retried step is stored once and a different event is never suppressed
 * (docs/audit-log.md, "Idempotency by content").
 *
 * The id is derived from the step's parts (e.g. workflow id, run id, sequence
 * number): a retry with the same content is stored once. When the same parts come
 * back with other content, the writer refuses it (AuditConflictError) rather than
 * call it "already stored", and then:
 * - `clockIsSameStep` and the two differ only in clock readings — event_timestamp
 *   (and the event_date it implies), any RFC 3339 timestamp inside event_data (a
 *   phase start time), duration_ms and event_data fields named like a duration: the
 *   same step recorded again at a later clock (a workflow task retried after it was
 *   lost). The first record stands; its id is returned.
 * - otherwise it is another event (a retried workflow task that took another path; a
 *   notification delivered again after its attempt was recorded but not counted):
 *   it is stored under an id derived from the parts and a digest of its content,
 *   deterministic too, so its own retries are stored once.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { AuditConflictError, CONTENT_FIELDS, type ContentRow } from './idempotency.js';
import { deterministicEventId } from './ids.js';
import { toRow } from './rows.js';
import type { AuditEventInput, AuditWriter } from './types.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const CLOCK = '<clock>';

/** A value with its clock readings masked: timestamps, and numbers under a duration key. */
function maskClock(v: unknown, key = ''): unknown {
  if (typeof v === 'string' && RFC3339.test(v)) return CLOCK;
  if (typeof v === 'number' && /duration/i.test(key)) return CLOCK;
  if (Array.isArray(v)) return v.map((x) => maskClock(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskClock(x, k)]));
  }
  return v;
}

/** The content of an event as a step: what a later clock cannot change. */
function stepContent(row: ContentRow): string {
  // Field by field, absent as null: a stored row leaves its null columns out.
  const content: Record<string, unknown> = {};
  for (const f of CONTENT_FIELDS) if (f !== 'event_id' && f !== 'event_date') content[f] = row[f] ?? null;
  return stringify(maskClock(content)) as string;
}

export interface DerivedIdOptions {
  /** A repeat differing only in its timestamp is the same step (the workflow's clock after a retried task). */
  clockIsSameStep: boolean;
  /**
   * The parts name one step that happens once whatever its content: the first
   * record of it stands, and nothing is stored beside it.
   */
  firstStands?: boolean;
}

/** The id of a different event with the same parts; without the clock when a later clock is the same step. */
export function divergentEventId(
  parts: (string | number)[],
  event: AuditEventInput,
  o: DerivedIdOptions,
): string {
  const row = toRow({ ...event, event_id: ZERO_ID });
  const content = o.clockIsSameStep ? stepContent(row) : (stringify({ ...row, event_id: null }) as string);
  const digest = createHash('sha256').update(content).digest('hex');
  return deterministicEventId(...parts, digest);
}

const ZERO_ID = '00000000-0000-0000-0000-000000000000';

/** Every conflict is the same step as `event`, clock readings aside. */
const sameStep = (err: AuditConflictError, event: AuditEventInput) => {
  const mine = stepContent(toRow({ ...event, event_id: ZERO_ID }));
  return err.conflicts.every((c) => stepContent(c.stored) === mine);
};

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
      if (o.firstStands) return event_id;
      if (o.clockIsSameStep && sameStep(err, event)) return event_id;
    }
  }
  // Both ids hold other content: only a digest collision gets here.
  throw new Error(`audit event ${ids[1]} (${parts.join('/')}) is stored with other content`);
}

/**
 * The workflow's events: (workflow id, run id, sequence number) names one step of
 * the run, and a step is audited once. A retried workflow task that brings the step
 * back with other content (a later clock, or a discarded task that had taken another
 * path) finds the first record standing: storing the second beside it would audit
 * one step twice — the randomized schedules saw one rejection audited as two
 * decisions (I3). API clients reusing an id with other content still get a 409.
 */
export const writeWorkflowEvent = (
  writer: AuditWriter,
  ref: { workflowId: string; runId: string; seq: number; event: AuditEventInput },
) =>
  writeWithDerivedId(writer, [ref.workflowId, ref.runId, ref.seq], ref.event, {
    clockIsSameStep: true,
    firstStands: true,
  });
