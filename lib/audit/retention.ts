/**
 * Retention: deletes audit rows older than their retention, in batches, never
 * touching rows under legal hold (flag on the row, or a hold on the correlation).
 *
 * A row's retention is `policy[event_category]` when the policy names its category,
 * else the row's own retention_days (2555 days by default). Each deleted row leaves
 * a tombstone with its chain link (migrations/0002) so verify-chain still passes.
 * Run it from a scheduled job; each batch is its own short transaction.
 */
import type pg from 'pg';

export interface RetentionOptions {
  /** Days to keep, per event_category; overrides the rows' retention_days. */
  policy?: Record<string, number>;
  /** Rows per delete statement (default 1000). */
  batchSize?: number;
  /** Stop after this many batches (default: until nothing is left). */
  maxBatches?: number;
  /** "Now" for the age computation (tests, backfills). */
  now?: Date;
  /** Only these correlations (a targeted purge; keeps tests off each other's rows). */
  correlationIds?: string[];
}

export interface RetentionResult {
  deleted: number;
  byCategory: Record<string, number>;
  batches: number;
}

export async function applyRetention(pool: pg.Pool, opts: RetentionOptions = {}): Promise<RetentionResult> {
  const batchSize = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? Number.POSITIVE_INFINITY;
  const now = opts.now ?? new Date();
  const result: RetentionResult = { deleted: 0, byCategory: {}, batches: 0 };
  while (result.batches < maxBatches) {
    const { rows } = await pool.query<{ event_category: string; n: number }>(
      `WITH victims AS (
         SELECT e.event_id, e.event_date FROM audit_events e
          WHERE NOT e.legal_hold
            AND e.event_timestamp < $1::timestamptz
                - make_interval(days => COALESCE(($2::jsonb ->> e.event_category)::int, e.retention_days))
            AND NOT EXISTS (SELECT 1 FROM audit_legal_holds h WHERE h.correlation_id = e.correlation_id)
            AND ($4::text[] IS NULL OR e.correlation_id = ANY($4::text[]))
          LIMIT $3
          FOR UPDATE SKIP LOCKED),
       gone AS (
         DELETE FROM audit_events e USING victims v
          WHERE e.event_id = v.event_id AND e.event_date = v.event_date
          RETURNING e.correlation_id, e.chain_position, e.event_id, e.event_date, e.event_category, e.event_hash),
       tombs AS (
         INSERT INTO audit_retention_tombstones
           (correlation_id, chain_position, event_id, event_date, event_category, event_hash)
         SELECT correlation_id, chain_position, event_id, event_date, event_category, event_hash FROM gone)
       SELECT event_category, count(*)::int AS n FROM gone GROUP BY event_category`,
      [now, JSON.stringify(opts.policy ?? {}), batchSize, opts.correlationIds ?? null],
    );
    result.batches++;
    const n = rows.reduce((s, r) => s + r.n, 0);
    for (const r of rows)
      result.byCategory[r.event_category] = (result.byCategory[r.event_category] ?? 0) + r.n;
    result.deleted += n;
    if (n < batchSize) break;
  }
  return result;
}
