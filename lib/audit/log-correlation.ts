/**
 * The log's view of one correlation, for verify-chain: which sequence numbers the
 * log holds for it, whether each row is still there and unchanged, and whether each
 * leaf is included in a signed checkpoint (an inclusion proof from the stored tree,
 * checked against the checkpoint's root). The per-correlation chain alone answers
 * "no rows" for a correlation deleted whole; the log still knows it existed.
 */
import type pg from 'pg';
import { type ChainedRow, eventLeafHash } from './log-entry.js';
import { loadNodes, MissingNodeError } from './log-store.js';
import { inclusionRanges, nodesFor, rangeHash, verifyInclusion } from './merkle.js';
import type { Checkpoint } from './note.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

export interface LogEntryFault {
  log_index: number;
  event_id: string;
  chain_position: number;
  leaf_hash: string;
  message: string;
}

export interface CorrelationLogCheck {
  log_consistent: boolean;
  /** The checkpoint size the entries were checked against. */
  log_tree_size: number;
  /** Sequence numbers whose row is gone (not by retention). */
  missing_log_indexes: number[];
  faults: LogEntryFault[];
  /** Rows not yet in the log (sequenced within seconds). */
  unsequenced_events: number;
  /** Entries of this correlation the log holds, up to the checkpoint. */
  logged_events: number;
}

interface Row extends DbAuditRow {
  l_idx: string;
  l_event_id: string;
  l_chain_position: string;
  l_leaf_hash: Buffer;
  pruned: boolean;
}

export async function checkCorrelationInLog(
  pool: pg.Pool,
  correlationId: string,
  checkpoint: Checkpoint,
): Promise<CorrelationLogCheck> {
  const [entries, unsequenced] = await Promise.all([
    pool.query<Row>(
      `SELECT l.idx AS l_idx, l.event_id::text AS l_event_id, l.chain_position AS l_chain_position,
              l.leaf_hash AS l_leaf_hash, e.*,
              EXISTS (SELECT 1 FROM audit_retention_tombstones t
                       WHERE t.correlation_id = l.correlation_id AND t.chain_position = l.chain_position
                         AND t.event_id = l.event_id AND t.leaf_hash = l.leaf_hash) AS pruned
         FROM audit_log_leaves l
         LEFT JOIN LATERAL (SELECT ${STORED_COLUMNS} FROM audit_events a
                             WHERE a.event_id = l.event_id AND a.event_date = l.event_date) e ON true
        WHERE l.correlation_id = $1 AND l.idx < $2 ORDER BY l.idx`,
      [correlationId, checkpoint.size],
    ),
    pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events e
        WHERE e.correlation_id = $1
          AND NOT EXISTS (SELECT 1 FROM audit_log_leaves l
                           WHERE l.event_id = e.event_id AND l.event_date = e.event_date AND l.idx < $2)`,
      [correlationId, checkpoint.size],
    ),
  ]);
  const faults: LogEntryFault[] = [];
  const missing: number[] = [];
  const rows = entries.rows;
  const fault = (r: Row, message: string) =>
    faults.push({
      log_index: Number(r.l_idx),
      event_id: r.l_event_id,
      chain_position: Number(r.l_chain_position),
      leaf_hash: r.l_leaf_hash.toString('hex'),
      message,
    });
  for (const r of rows) {
    if (r.event_id === null) {
      if (r.pruned) continue;
      missing.push(Number(r.l_idx));
      fault(
        r,
        `log index ${r.l_idx} (chain position ${r.l_chain_position}) is in the log but its row is gone`,
      );
    } else if (!eventLeafHash(fromDb(r) as unknown as ChainedRow).equals(r.l_leaf_hash)) {
      fault(r, `log index ${r.l_idx}: the row no longer matches its log entry`);
    }
  }
  // Each entry must be in the signed tree: inclusion proofs from the stored nodes.
  const ranges = rows.map((r) => inclusionRanges(Number(r.l_idx), checkpoint.size));
  try {
    const get = await loadNodes(pool, nodesFor(ranges.flat()));
    rows.forEach((r, i) => {
      const proof = ranges[i]!.map(([a, b]) => rangeHash(a, b, get));
      if (!verifyInclusion(Number(r.l_idx), checkpoint.size, r.l_leaf_hash, proof, checkpoint.root)) {
        fault(r, `log index ${r.l_idx} is not included in the signed checkpoint of size ${checkpoint.size}`);
      }
    });
  } catch (err) {
    if (!(err instanceof MissingNodeError)) throw err;
    for (const r of rows) fault(r, `log index ${r.l_idx} cannot be proven: ${err.message}`);
  }
  return {
    log_consistent: faults.length === 0,
    log_tree_size: checkpoint.size,
    missing_log_indexes: missing,
    faults,
    unsequenced_events: unsequenced.rows[0]!.n,
    logged_events: rows.length,
  };
}
