/**
 * The one audit writer: the API, the gateway and the workflow activities all store
 * audit events through `createAuditWriter(pool).write(events)`.
 *
 * Guarantees, per call:
 * - all-or-nothing: the whole batch is one transaction;
 * - idempotent: an event whose event_id is already stored is skipped and keeps its
 *   chain link (checked under the lock, before hashing, so a replay never advances
 *   the chain); duplicates inside one batch count once;
 * - one chain per correlation_id: the links are computed under
 *   pg_advisory_xact_lock(hashtext(correlation_id)), so concurrent writers queue
 *   instead of forking the chain;
 * - one multi-row INSERT per batch (jsonb_populate_recordset), not a round trip per row;
 * - an event dated outside every partition makes the partition
 *   (audit_ensure_partition) and the batch is retried.
 */
import type pg from 'pg';
import { type AuditRow, algorithmFor, eventHash, GENESIS_HASH } from './hash.js';
import { toRow } from './rows.js';
import type { AuditEventInput, AuditWriteResult, AuditWriter } from './types.js';

export interface AuditWriterOptions {
  /** When set, links are HMAC-SHA256 with this key instead of plain SHA-256. */
  hmacKey?: string;
  /** Called with the number of rows inserted by each committed batch (metrics). */
  onWritten?: (inserted: number) => void;
}

const MISSING_PARTITION = '23514';
const RETRYABLE = new Set(['40P01', '40001']); // deadlock (hashtext collision), serialization
const MAX_ATTEMPTS = 4;

interface PgError extends Error {
  code?: string;
}

export function createAuditWriter(pool: pg.Pool, opts: AuditWriterOptions = {}): AuditWriter {
  const algorithm = algorithmFor(opts.hmacKey);

  async function writeOnce(rows: Omit<AuditRow, 'chain_position'>[]): Promise<number> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const correlations = [...new Set(rows.map((r) => r.correlation_id))];
      // Locks in hash order, so two batches sharing correlations cannot deadlock.
      await client.query(
        `SELECT pg_advisory_xact_lock(h) FROM (
           SELECT DISTINCT hashtext(c) AS h FROM unnest($1::text[]) AS c ORDER BY 1) AS locks`,
        [correlations],
      );
      const existing = await client.query<{ event_id: string }>(
        'SELECT event_id::text AS event_id FROM audit_events WHERE event_id = ANY($1::uuid[])',
        [rows.map((r) => r.event_id)],
      );
      const heads = await client.query<{
        correlation_id: string;
        chain_position: string;
        event_hash: string;
      }>(
        // Tombstones count too: retention may have removed a chain's newest rows.
        `SELECT DISTINCT ON (correlation_id) correlation_id, chain_position, event_hash FROM (
           SELECT correlation_id, chain_position, event_hash FROM audit_events WHERE correlation_id = ANY($1)
           UNION ALL
           SELECT correlation_id, chain_position, event_hash FROM audit_retention_tombstones
            WHERE correlation_id = ANY($1)) AS links
         ORDER BY correlation_id, chain_position DESC`,
        [correlations],
      );
      const head = new Map(heads.rows.map((h) => [h.correlation_id, h]));
      const seen = new Set(existing.rows.map((r) => r.event_id));
      const toInsert: Record<string, unknown>[] = [];
      for (const r of rows) {
        if (seen.has(r.event_id)) continue;
        seen.add(r.event_id);
        const prev = head.get(r.correlation_id);
        const row: AuditRow = { ...r, chain_position: prev ? Number(prev.chain_position) + 1 : 1 };
        const previous = prev?.event_hash ?? GENESIS_HASH;
        const hash = eventHash(previous, row, algorithm, opts.hmacKey);
        toInsert.push({ ...row, event_hash: hash, previous_event_hash: previous, hash_algorithm: algorithm });
        head.set(r.correlation_id, {
          correlation_id: r.correlation_id,
          chain_position: String(row.chain_position),
          event_hash: hash,
        });
      }
      let inserted = 0;
      if (toInsert.length > 0) {
        // Events of a correlation under legal hold are born held.
        const res = await client.query(
          `INSERT INTO audit_events (
             event_id, event_date, version, event_timestamp, event_type, event_category, event_action,
             event_outcome, actor_type, actor_id, actor_ip, resource_type, resource_id, correlation_id,
             parent_event_id, parent_event_date, namespace, cluster_id, event_data, severity, duration_ms,
             error_code, error_message, retention_days, is_sensitive, chain_position, event_hash,
             previous_event_hash, hash_algorithm, legal_hold, legal_hold_reason, legal_hold_placed_by,
             legal_hold_placed_at)
           SELECT r.event_id, r.event_date, r.version, r.event_timestamp, r.event_type, r.event_category,
             r.event_action, r.event_outcome, r.actor_type, r.actor_id, r.actor_ip, r.resource_type,
             r.resource_id, r.correlation_id, r.parent_event_id, r.parent_event_date, r.namespace,
             r.cluster_id, r.event_data, r.severity, r.duration_ms, r.error_code, r.error_message,
             r.retention_days, r.is_sensitive, r.chain_position, r.event_hash, r.previous_event_hash,
             r.hash_algorithm, h.correlation_id IS NOT NULL, h.reason, h.placed_by, h.placed_at
           FROM jsonb_populate_recordset(NULL::audit_events, $1::jsonb) WITH ORDINALITY AS r
           LEFT JOIN audit_legal_holds h ON h.correlation_id = r.correlation_id
           ORDER BY r.ordinality
           ON CONFLICT DO NOTHING`,
          [JSON.stringify(toInsert)],
        );
        inserted = res.rowCount ?? 0;
      }
      await client.query('COMMIT');
      return inserted;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function ensurePartitions(rows: Omit<AuditRow, 'chain_position'>[]) {
    // Outside the batch transaction: creating a partition locks the parent table,
    // which must not happen while this connection holds row locks on it.
    const days = [...new Set(rows.map((r) => r.event_date))];
    await pool.query('SELECT audit_ensure_partition(d) FROM unnest($1::date[]) AS d', [days]);
  }

  return {
    async write(events: AuditEventInput[]): Promise<AuditWriteResult> {
      const rows = events.map(toRow);
      const event_ids = rows.map((r) => r.event_id);
      if (rows.length === 0) return { event_ids, inserted: 0 };
      for (let attempt = 1; ; attempt++) {
        try {
          const inserted = await writeOnce(rows);
          opts.onWritten?.(inserted);
          return { event_ids, inserted };
        } catch (err) {
          const code = (err as PgError).code;
          if (attempt >= MAX_ATTEMPTS) throw err;
          if (code === MISSING_PARTITION && /no partition/i.test((err as Error).message)) {
            await ensurePartitions(rows);
          } else if (!code || !RETRYABLE.has(code)) {
            throw err;
          }
        }
      }
    },
  };
}
