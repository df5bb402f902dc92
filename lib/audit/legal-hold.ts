/**
 * Legal holds per correlation_id. A hold flags the correlation's rows (and, via
 * audit_legal_holds, rows written later) so that neither retention nor anyone else
 * can delete them: the database trigger of migrations/0001 refuses the DELETE.
 */
import type pg from 'pg';

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
}

async function inTransaction<T>(pool: pg.Pool, correlationId: string, fn: (c: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // The writer's lock: a hold and a concurrent write of the same correlation serialise.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [correlationId]);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Places (or renews) a hold. Returns null when the correlation has no events. */
export function placeLegalHold(
  pool: pg.Pool,
  h: { correlationId: string; reason: string; placedBy: string },
): Promise<LegalHold | null> {
  return inTransaction(pool, h.correlationId, async (c) => {
    const held = await c.query<{ placed_at: Date }>(
      `INSERT INTO audit_legal_holds (correlation_id, reason, placed_by)
       SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM audit_events WHERE correlation_id = $1)
       ON CONFLICT (correlation_id) DO UPDATE
         SET reason = EXCLUDED.reason, placed_by = EXCLUDED.placed_by, placed_at = now()
       RETURNING placed_at`,
      [h.correlationId, h.reason, h.placedBy],
    );
    const placedAt = held.rows[0]?.placed_at;
    if (!placedAt) return null;
    const rows = await c.query(
      `UPDATE audit_events SET legal_hold = true, legal_hold_reason = $2, legal_hold_placed_by = $3,
         legal_hold_placed_at = $4 WHERE correlation_id = $1`,
      [h.correlationId, h.reason, h.placedBy, placedAt],
    );
    return {
      correlation_id: h.correlationId,
      events_affected: rows.rowCount ?? 0,
      placed_by: h.placedBy,
      placed_at: placedAt.toISOString(),
      reason: h.reason,
    };
  });
}

export async function listLegalHolds(pool: pg.Pool): Promise<LegalHold[]> {
  const { rows } = await pool.query<Omit<LegalHold, 'placed_at'> & { placed_at: Date }>(
    `SELECT h.correlation_id, h.reason, h.placed_by, h.placed_at,
            (SELECT count(*)::int FROM audit_events e WHERE e.correlation_id = h.correlation_id) AS events_affected
       FROM audit_legal_holds h ORDER BY h.placed_at DESC, h.correlation_id`,
  );
  return rows.map((r) => ({ ...r, placed_at: r.placed_at.toISOString() }));
}

/** Releases a hold. Returns null when the correlation had none. */
export function releaseLegalHold(
  pool: pg.Pool,
  r: { correlationId: string; releasedBy: string },
): Promise<LegalHoldRelease | null> {
  return inTransaction(pool, r.correlationId, async (c) => {
    const gone = await c.query('DELETE FROM audit_legal_holds WHERE correlation_id = $1', [r.correlationId]);
    if (!gone.rowCount) return null;
    const rows = await c.query(
      `UPDATE audit_events SET legal_hold = false, legal_hold_reason = NULL, legal_hold_placed_by = NULL,
         legal_hold_placed_at = NULL WHERE correlation_id = $1 AND legal_hold`,
      [r.correlationId],
    );
    return {
      correlation_id: r.correlationId,
      events_released: rows.rowCount ?? 0,
      released_by: r.releasedBy,
      released_at: new Date().toISOString(),
    };
  });
}
