/** The effectiveness events of one remediation, oldest first (event_id breaks timestamp ties). */
import type pg from 'pg';
import type { EffectivenessEvent } from './score.js';

/** A bound on one read: a monitor re-assessing for a long time must not exhaust memory. */
export const MAX_EFFECTIVENESS_ROWS = 10_000;

const SQL = `SELECT event_type, event_data FROM audit_events
  WHERE correlation_id = $1 AND event_category = 'effectiveness'
  ORDER BY event_timestamp ASC, event_id ASC LIMIT $2`;

export async function loadEffectivenessEvents(
  pool: pg.Pool,
  correlationId: string,
): Promise<EffectivenessEvent[]> {
  const { rows } = await pool.query<{ event_type: string; event_data: unknown }>(SQL, [
    correlationId,
    MAX_EFFECTIVENESS_ROWS,
  ]);
  return rows.map((r) => ({
    event_type: r.event_type,
    event_data:
      r.event_data && typeof r.event_data === 'object' && !Array.isArray(r.event_data)
        ? (r.event_data as Record<string, unknown>)
        : {},
  }));
}
