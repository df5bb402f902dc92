/**
 * The audit log's queue, as the sequencer reads it (lib/audit/log-sequencer.ts).
 *
 * The writer queues each write call as one row of parallel arrays, its events in the
 * order given, with the leaf hashes it computed (migrations/0012). Entries queued
 * before that are single rows of `audit_log_pending_events`; they come first, and
 * those queued before migrations/0007 carry no leaf, so theirs is computed here from
 * the row (an event deleted meanwhile is reported as vanished).
 *
 * `takeQueued` reads whole batches in queue order until `limit` events; the sequencer
 * removes what it took (`removeTaken`) in the same transaction as it appends them.
 */
import { type ChainedRow, eventLeafHash } from './log-entry.js';
import type { Queryable } from './log-store.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

export interface QueuedEntry {
  eventId: string;
  eventDate: string;
  correlationId: string;
  chainPosition: number;
  leaf: Buffer;
}

export interface Taken {
  entries: QueuedEntry[];
  /** Queued events (from before migrations/0007) whose row was gone before they could be sequenced. */
  vanished: string[];
  eventSeqs: string[];
  batchSeqs: string[];
}

type LegacyRow = DbAuditRow & {
  seq: string;
  p_event_id: string;
  p_event_date: string;
  p_correlation_id: string | null;
  p_chain_position: string | null;
  p_leaf_hash: Buffer | null;
};

async function takeSingleEvents(db: Queryable, limit: number, taken: Taken): Promise<void> {
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
  for (const r of rows.rows) {
    taken.eventSeqs.push(r.seq);
    const at = { eventId: r.p_event_id, eventDate: r.p_event_date };
    if (r.p_leaf_hash) {
      taken.entries.push({
        ...at,
        correlationId: r.p_correlation_id!,
        chainPosition: Number(r.p_chain_position),
        leaf: r.p_leaf_hash,
      });
    } else if (r.event_id !== null) {
      const row = fromDb(r) as unknown as ChainedRow;
      taken.entries.push({
        ...at,
        correlationId: row.correlation_id,
        chainPosition: row.chain_position,
        leaf: eventLeafHash(row),
      });
    } else {
      taken.vanished.push(r.p_event_id);
    }
  }
}

async function takeBatches(db: Queryable, limit: number, taken: Taken): Promise<void> {
  // Whole batches, in queue order, while fewer than `limit` events are taken before each.
  const rows = await db.query<{
    seq: string;
    ids: string[];
    dates: string[];
    cids: string[];
    positions: string[];
    leaves: Buffer[];
  }>(
    `SELECT seq, event_ids::text[] AS ids, event_dates::text[] AS dates, correlation_ids AS cids,
            chain_positions::text[] AS positions, leaf_hashes AS leaves
       FROM (SELECT b.*, sum(cardinality(b.event_ids)) OVER (ORDER BY b.seq) AS upto
               FROM audit_log_pending_batches b) b
      WHERE upto - cardinality(event_ids) < $1
      ORDER BY seq`,
    [limit],
  );
  for (const b of rows.rows) {
    taken.batchSeqs.push(b.seq);
    b.ids.forEach((eventId, i) => {
      taken.entries.push({
        eventId,
        eventDate: b.dates[i]!,
        correlationId: b.cids[i]!,
        chainPosition: Number(b.positions[i]),
        leaf: b.leaves[i]!,
      });
    });
  }
}

/** Up to about `limit` queued events (whole batches), oldest first. */
export async function takeQueued(db: Queryable, limit: number): Promise<Taken> {
  const taken: Taken = { entries: [], vanished: [], eventSeqs: [], batchSeqs: [] };
  await takeSingleEvents(db, limit, taken);
  const left = limit - taken.eventSeqs.length;
  if (left > 0) await takeBatches(db, left, taken);
  return taken;
}

export async function removeTaken(db: Queryable, taken: Taken): Promise<void> {
  if (taken.eventSeqs.length > 0) {
    await db.query('DELETE FROM audit_log_pending_events WHERE seq = ANY($1::bigint[])', [taken.eventSeqs]);
  }
  if (taken.batchSeqs.length > 0) {
    await db.query('DELETE FROM audit_log_pending_batches WHERE seq = ANY($1::bigint[])', [taken.batchSeqs]);
  }
}
