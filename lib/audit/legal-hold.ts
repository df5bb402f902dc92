/**
 * Legal holds per correlation_id. A hold flags the correlation's rows (and, via
 * audit_legal_holds, rows written later) so that neither retention nor anyone else
 * can delete them: the database trigger of migrations/0001 refuses the DELETE.
 *
 * Placing and releasing change audit_events' legal-hold columns, which the app's
 * role may not UPDATE: both go through SECURITY DEFINER functions (migrations/0009)
 * that take the correlation's writer lock and touch nothing else.
 *
 * A release is itself audited: who (the authenticated identity the API passes),
 * why (a required reason) and when. The event is written before the hold goes, with
 * an id derived from the hold and the request, so the trail never misses a release:
 * a retried request writes nothing new (same id) and then releases; a release that
 * fails after its event is answered with an error and retried. The database also
 * keeps every release in audit_legal_hold_releases, with the database user that
 * called it, whoever called it.
 */
import type pg from 'pg';
import { deterministicEventId } from './ids.js';
import type { AuditWriter } from './types.js';

export interface LegalHold {
  correlation_id: string;
  events_affected: number;
  placed_by: string;
  placed_at: string;
  reason: string;
}

export interface LegalHoldRelease {
  correlation_id: string;
  events_released: number;
  released_by: string;
  released_at: string;
  release_reason: string;
  /** The audit event recording the release. */
  event_id: string;
}

export const LEGAL_HOLD_RELEASED = 'datastorage.legalhold.released';

/** Places (or renews) a hold. Returns null when the correlation has no events. */
export async function placeLegalHold(
  pool: pg.Pool,
  h: { correlationId: string; reason: string; placedBy: string },
): Promise<LegalHold | null> {
  const { rows } = await pool.query<{ placed_at: Date; events_affected: number }>(
    'SELECT placed_at, events_affected FROM audit_place_legal_hold($1, $2, $3)',
    [h.correlationId, h.reason, h.placedBy],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    correlation_id: h.correlationId,
    events_affected: r.events_affected,
    placed_by: h.placedBy,
    placed_at: r.placed_at.toISOString(),
    reason: h.reason,
  };
}

export async function listLegalHolds(pool: pg.Pool): Promise<LegalHold[]> {
  const { rows } = await pool.query<Omit<LegalHold, 'placed_at'> & { placed_at: Date }>(
    `SELECT h.correlation_id, h.reason, h.placed_by, h.placed_at,
            (SELECT count(*)::int FROM audit_events e WHERE e.correlation_id = h.correlation_id) AS events_affected
       FROM audit_legal_holds h ORDER BY h.placed_at DESC, h.correlation_id`,
  );
  return rows.map((r) => ({ ...r, placed_at: r.placed_at.toISOString() }));
}

/** Releases a hold and audits who, why and when. Returns null when the correlation had none. */
export async function releaseLegalHold(
  pool: pg.Pool,
  writer: AuditWriter,
  r: { correlationId: string; releasedBy: string; reason: string },
): Promise<LegalHoldRelease | null> {
  const held = await pool.query<{ reason: string; placed_by: string; placed_at: Date }>(
    'SELECT reason, placed_by, placed_at FROM audit_legal_holds WHERE correlation_id = $1',
    [r.correlationId],
  );
  const hold = held.rows[0];
  if (!hold) return null;
  const placedAt = hold.placed_at.toISOString();
  const eventId = deterministicEventId(
    LEGAL_HOLD_RELEASED,
    r.correlationId,
    placedAt,
    r.releasedBy,
    r.reason,
  );
  // A retry re-sends the first attempt's event unchanged (same time too), so it is
  // "already stored" rather than a different event under the same id.
  const earlier = await pool.query<{ event_timestamp: Date }>(
    'SELECT event_timestamp FROM audit_events WHERE event_id = $1 LIMIT 1',
    [eventId],
  );
  await writer.write([
    {
      event_id: eventId,
      version: '1.0',
      event_type: LEGAL_HOLD_RELEASED,
      event_timestamp: (earlier.rows[0]?.event_timestamp ?? new Date()).toISOString(),
      event_category: 'security',
      event_action: 'released',
      event_outcome: 'success',
      actor_type: 'user',
      actor_id: r.releasedBy,
      resource_type: 'LegalHold',
      resource_id: r.correlationId,
      correlation_id: r.correlationId,
      event_data: {
        release_reason: r.reason,
        released_by: r.releasedBy,
        hold_reason: hold.reason,
        hold_placed_by: hold.placed_by,
        hold_placed_at: placedAt,
      },
    },
  ]);
  const { rows } = await pool.query<{ events_released: number; released_at: Date }>(
    'SELECT events_released, released_at FROM audit_release_legal_hold($1, $2, $3)',
    [r.correlationId, r.releasedBy, r.reason],
  );
  const done = rows[0];
  // Released by a concurrent request between the read and here: that one answers for it.
  if (!done) return null;
  return {
    correlation_id: r.correlationId,
    events_released: done.events_released,
    released_by: r.releasedBy,
    released_at: done.released_at.toISOString(),
    release_reason: r.reason,
    event_id: eventId,
  };
}
