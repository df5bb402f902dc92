/**
 * Retention: deletes audit rows older than their retention, in batches, never
 * touching rows under legal hold (flag on the row, or a hold on the correlation).
 *
 * The work is done by audit_apply_retention (migrations/0009), a SECURITY DEFINER
 * function: the app's role may not DELETE audit rows or write tombstones itself. A
 * row's retention is the owner's policy for its event_category
 * (audit_retention_policy) when there is one, else the row's own retention_days
 * (2555 days by default). Each deleted row leaves a tombstone with its chain link
 * and its Merkle leaf hash, so verify-chain still passes and the log's inclusion
 * proofs keep working; verification accepts a tombstone only when that leaf hash is
 * the log's. Idempotent: a second run finds nothing expired. Scheduled by the
 * worker (workers/audit-maintenance.ts); each batch is its own short transaction.
 */
import type pg from 'pg';

export interface RetentionOptions {
  /** Rows per delete statement (default 1000). */
  batchSize?: number;
  /** Stop after this many batches (default: until nothing is left). */
  maxBatches?: number;
  /** "Now" for the age computation: earlier than the server's now only (backfills). */
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
  const result: RetentionResult = { deleted: 0, byCategory: {}, batches: 0 };
  while (result.batches < maxBatches) {
    const { rows } = await pool.query<{ event_category: string; deleted: number }>(
      'SELECT event_category, deleted FROM audit_apply_retention($1, $2, $3)',
      [batchSize, opts.correlationIds ?? null, opts.now ?? null],
    );
    result.batches++;
    const n = rows.reduce((s, r) => s + r.deleted, 0);
    for (const r of rows)
      result.byCategory[r.event_category] = (result.byCategory[r.event_category] ?? 0) + r.deleted;
    result.deleted += n;
    if (n < batchSize) break;
  }
  return result;
}
