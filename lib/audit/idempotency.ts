/**
 * Idempotency by content: an event_id names one event. Writing it again with the
 * same content is a no-op ("already stored"); writing it with other content is a
 * conflict, never a silent success — otherwise a different event reusing an id
 * (the workflow's ids are predictable) would be reported stored and be lost.
 *
 * "The same content" is the canonical content the chain hash covers
 * (lib/audit/hash.ts CORE_FIELDS, as the writer normalises it: UTC timestamps with
 * milliseconds, absent optionals as null, defaults applied) without what the server
 * assigns: the chain position, and the links and legal-hold columns, which are not
 * core fields anyway. event_date is derived from event_timestamp, so it differs only
 * when the timestamp does.
 */
import type pg from 'pg';
import { stringify } from 'safe-stable-stringify';
import { type AuditRow, CORE_FIELDS } from './hash.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

/** The fields compared: every core field but the server-assigned chain position. */
export const CONTENT_FIELDS = CORE_FIELDS.filter((f) => f !== 'chain_position');

export type ContentRow = Omit<AuditRow, 'chain_position'>;

/** The canonical value of each compared field (absent and null alike, as the hash treats them). */
function fieldValues(row: ContentRow): Map<string, string> {
  return new Map(CONTENT_FIELDS.map((f) => [f, stringify(row[f] ?? null) as string]));
}

/** Names of the content fields in which two rows differ; empty when they are the same event. */
export function differingFields(a: ContentRow, b: ContentRow): string[] {
  const x = fieldValues(a);
  const y = fieldValues(b);
  return CONTENT_FIELDS.filter((f) => x.get(f) !== y.get(f));
}

export interface ConflictingEvent {
  event_id: string;
  /** Content fields whose stored value differs from the one written. */
  fields: string[];
  /** The stored content (or the batch's first occurrence), for callers that judge a repeat. */
  stored: ContentRow;
}

/**
 * Some event ids of a write are stored (or repeated in the batch) with other
 * content. Nothing of the write was stored; the API answers 409 naming the ids.
 */
export class AuditConflictError extends Error {
  override name = 'AuditConflictError';
  constructor(readonly conflicts: ConflictingEvent[]) {
    super(
      `event id${conflicts.length > 1 ? 's' : ''} ${conflicts
        .map((c) => `${c.event_id} (${c.fields.join(', ')})`)
        .join('; ')} ${conflicts.length > 1 ? 'are' : 'is'} stored with different content`,
    );
  }
}

/**
 * The first occurrence of each id; a repeat with other content is a conflict.
 * Returns the rows to write and the ids that were repeated with the same content.
 */
export function dedupeBatch<R extends ContentRow>(all: R[]): { rows: R[]; repeated: string[] } {
  const first = new Map<string, R>();
  const repeated = new Set<string>();
  const conflicts = new Map<string, Set<string>>();
  for (const r of all) {
    const seen = first.get(r.event_id);
    if (!seen) {
      first.set(r.event_id, r);
      continue;
    }
    const fields = differingFields(seen, r);
    if (fields.length === 0) repeated.add(r.event_id);
    else
      for (const f of fields)
        (conflicts.get(r.event_id) ?? conflicts.set(r.event_id, new Set()).get(r.event_id)!).add(f);
  }
  if (conflicts.size) {
    throw new AuditConflictError(
      [...conflicts].map(([event_id, f]) => ({ event_id, fields: [...f], stored: first.get(event_id)! })),
    );
  }
  return { rows: [...first.values()], repeated: [...repeated] };
}

/**
 * Compares the batch's rows with the stored rows of the ids found stored; throws
 * AuditConflictError naming each id whose content differs. Stored core columns
 * cannot change (the update trigger refuses), so reading them outside the writer's
 * lock is safe: what was stored stays what it was.
 */
export async function checkStoredContent(
  db: pg.Pool | pg.PoolClient,
  stored: Iterable<string>,
  rows: ContentRow[],
): Promise<void> {
  const ids = [...stored];
  if (ids.length === 0) return;
  const res = await db.query<DbAuditRow>({
    name: 'audit-writer-stored-content',
    text: `SELECT ${STORED_COLUMNS} FROM unnest($1::uuid[]) AS u(id)
      CROSS JOIN LATERAL (SELECT * FROM audit_events e WHERE e.event_id = u.id LIMIT 1) AS s`,
    values: [ids],
  });
  const byId = new Map(rows.map((r) => [r.event_id, r]));
  const conflicts: ConflictingEvent[] = [];
  for (const s of res.rows.map(fromDb)) {
    const mine = byId.get(s.event_id);
    // fromDb leaves null columns out; differingFields treats absent as null, like the hash.
    const fields = mine ? differingFields(s, mine) : [];
    if (fields.length) conflicts.push({ event_id: s.event_id, fields, stored: s });
  }
  if (conflicts.length) throw new AuditConflictError(conflicts);
}
