/**
 * The audit log's queue, as the sequencer reads it (lib/audit/log-sequencer.ts).
 *
 * The writer queues each write call as one row of parallel arrays, its events in the
 * order given, with the leaf hashes it computed (migrations/0012). Entries queued
 * before that are single rows of `audit_log_pending_events`; they come first, and
 * those queued before migrations/0007 carry no leaf, so theirs is computed here from
 * the row (an event deleted meanwhile is reported as vanished).
 *
 * `appendQueued` takes whole batches in queue order until `limit` events, stores them
 * as the log's next leaves (indexes from `size`) and removes them from the queue, all
 * on the caller's transaction; it returns the leaf hashes in log order, which is all
 * the sequencer needs to extend the tree.
 *
 * Why the batches go from queue to leaves inside PostgreSQL: reading a batch's arrays
 * into JavaScript and sending them back as parameters (uuid[], date[], bytea[] as
 * text) was half of what the sequencer cost, and the sequencer shares the machine
 * with ingest (docs/audit-log.md#cost). Only the leaf hashes come out, as one bytea.
 */
import { type ChainedRow, eventLeafHash } from './log-entry.js';
import type { Queryable } from './log-store.js';
import { HASH_SIZE, type Hash } from './merkle.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

export interface Appended {
  /** The new leaves' hashes, in log order (indexes size, size + 1, …). */
  leaves: Hash[];
  /** Queued events (from before migrations/0007) whose row was gone before they could be sequenced. */
  vanished: string[];
}

type LegacyRow = DbAuditRow & {
  seq: string;
  p_event_id: string;
  p_event_date: string;
  p_correlation_id: string | null;
  p_chain_position: string | null;
  p_leaf_hash: Buffer | null;
};

/** Entries queued one per event (before migrations/0012): few, so they pass through here. */
async function appendSingleEvents(db: Queryable, limit: number, size: number, out: Appended) {
  const rows = await db.query<LegacyRow>(
    `SELECT p.seq, p.event_id::text AS p_event_id, p.event_date::text AS p_event_date,
            p.correlation_id AS p_correlation_id, p.chain_position AS p_chain_position,
            p.leaf_hash AS p_leaf_hash, e.*
       FROM (SELECT * FROM audit_log_pending_events ORDER BY seq LIMIT $1) p
       LEFT JOIN LATERAL (SELECT ${STORED_COLUMNS} FROM audit_events a
                           WHERE p.leaf_hash IS NULL
                             AND a.event_id = p.event_id AND a.event_date = p.event_date) e ON true
      ORDER BY p.seq`,
    [limit],
  );
  if (rows.rows.length === 0) return;
  const leaves = { idx: [] as number[], ids: [] as string[], dates: [] as string[] };
  const cids: string[] = [];
  const positions: number[] = [];
  for (const r of rows.rows) {
    let entry: { correlationId: string; chainPosition: number; leaf: Hash } | undefined;
    if (r.p_leaf_hash) {
      entry = {
        correlationId: r.p_correlation_id!,
        chainPosition: Number(r.p_chain_position),
        leaf: r.p_leaf_hash,
      };
    } else if (r.event_id !== null) {
      const row = fromDb(r) as unknown as ChainedRow;
      entry = {
        correlationId: row.correlation_id,
        chainPosition: row.chain_position,
        leaf: eventLeafHash(row),
      };
    }
    if (!entry) {
      out.vanished.push(r.p_event_id);
      continue;
    }
    leaves.idx.push(size + out.leaves.length);
    leaves.ids.push(r.p_event_id);
    leaves.dates.push(r.p_event_date);
    cids.push(entry.correlationId);
    positions.push(entry.chainPosition);
    out.leaves.push(entry.leaf);
  }
  if (leaves.idx.length > 0) {
    await db.query(
      `INSERT INTO audit_log_leaves (idx, event_id, event_date, correlation_id, chain_position, leaf_hash)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::date[], $4::text[], $5::bigint[], $6::bytea[])`,
      [leaves.idx, leaves.ids, leaves.dates, cids, positions, out.leaves.slice(-leaves.idx.length)],
    );
  }
  await db.query('DELETE FROM audit_log_pending_events WHERE seq = ANY($1::bigint[])', [
    rows.rows.map((r) => r.seq),
  ]);
}

/** Whole batches, in queue order, while fewer than `limit` events were taken before each. */
async function appendBatches(db: Queryable, limit: number, size: number, out: Appended) {
  const picked = await db.query<{ seq: string }>(
    `SELECT seq FROM (SELECT seq, cardinality(event_ids) AS n,
                             sum(cardinality(event_ids)) OVER (ORDER BY seq) AS upto
                        FROM audit_log_pending_batches) b
      WHERE upto - n < $1 ORDER BY seq`,
    [limit],
  );
  if (picked.rows.length === 0) return;
  const seqs = picked.rows.map((r) => r.seq);
  const { rows } = await db.query<{ leaves: Buffer }>(
    `WITH taken AS (
       DELETE FROM audit_log_pending_batches WHERE seq = ANY($1::bigint[])
       RETURNING seq, event_ids, event_dates, correlation_ids, chain_positions, leaf_hashes),
     q AS (
       SELECT u.*, row_number() OVER (ORDER BY t.seq, u.ord) - 1 AS k
         FROM taken t
        CROSS JOIN LATERAL unnest(t.event_ids, t.event_dates, t.correlation_ids, t.chain_positions,
                                  t.leaf_hashes) WITH ORDINALITY
             AS u(event_id, event_date, correlation_id, chain_position, leaf_hash, ord)),
     ins AS (
       INSERT INTO audit_log_leaves (idx, event_id, event_date, correlation_id, chain_position, leaf_hash)
       SELECT $2::bigint + k, event_id, event_date, correlation_id, chain_position, leaf_hash FROM q)
     SELECT string_agg(leaf_hash, ''::bytea ORDER BY k) AS leaves FROM q`,
    [seqs, size + out.leaves.length],
  );
  const all = rows[0]!.leaves;
  for (let at = 0; at < all.length; at += HASH_SIZE) out.leaves.push(all.subarray(at, at + HASH_SIZE));
}

/**
 * Appends up to about `limit` queued events (whole batches), oldest first, as leaves
 * `size`, `size + 1`, … and removes them from the queue (see the file comment).
 */
export async function appendQueued(db: Queryable, limit: number, size: number): Promise<Appended> {
  const out: Appended = { leaves: [], vanished: [] };
  await appendSingleEvents(db, limit, size, out);
  const left = limit - out.leaves.length - out.vanished.length;
  if (left > 0) await appendBatches(db, left, size, out);
  return out;
}
