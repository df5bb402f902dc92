/**
 * Reads of the audit log's tables: tree nodes (stored, or hashed from leaves below
 * STORED_FROM_LEVEL), roots and proofs at any size,
 * and the signed checkpoints. The sequencer (log-sequencer.ts) is the only writer.
 */
import type pg from 'pg';
import {
  consistencyRanges,
  type Hash,
  inclusionRanges,
  type NodeId,
  nodeHash,
  nodeKey,
  nodesFor,
  perfectNodes,
  type Range,
  rangeHash,
} from './merkle.js';

export type Queryable = pg.Pool | pg.PoolClient;

/** A node the tree needs is not stored: the log's tables were cut or altered. */
export class MissingNodeError extends Error {
  override name = 'MissingNodeError';
  constructor(readonly node: NodeId) {
    super(
      `the audit log has no stored hash for subtree ${nodeKey(node)} (level/index): its tables were altered`,
    );
  }
}

/**
 * Subtrees below this level are not stored: they are hashed from their leaves (at most
 * 2^(level-1) of them) when a root or proof needs one. Storing every level cost the
 * sequencer one row per event, most of it for levels 1-3 (7/8 of all subtrees), while
 * a proof needs only a few of them (docs/audit-log.md#cost). Nodes of those levels
 * stored before are ignored: the leaves decide.
 */
export const STORED_FROM_LEVEL = 4;

/** The leaf indexes under a perfect node. */
const leavesUnder = (n: NodeId) => Array.from({ length: 2 ** n.level }, (_, k) => n.index * 2 ** n.level + k);

/** Loads the given perfect nodes (level 0 = leaves) in one round trip. */
export async function loadNodes(db: Queryable, ids: NodeId[]): Promise<(n: NodeId) => Hash> {
  const computed = ids.filter((n) => n.level < STORED_FROM_LEVEL);
  const leaves = [...new Set(computed.flatMap(leavesUnder))];
  const inner = ids.filter((n) => n.level >= STORED_FROM_LEVEL);
  const found = new Map<string, Hash>();
  if (ids.length > 0) {
    const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
      `SELECT 0 AS level, idx, leaf_hash AS hash FROM audit_log_leaves WHERE idx = ANY($1::bigint[])
       UNION ALL
       SELECT n.level, n.idx, n.hash FROM audit_log_nodes n
         JOIN unnest($2::smallint[], $3::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
      [leaves, inner.map((n) => n.level), inner.map((n) => n.index)],
    );
    for (const r of rows) found.set(nodeKey({ level: r.level, index: Number(r.idx) }), r.hash);
  }
  // A low subtree from its leaves, pairwise upwards; undefined when a leaf is missing.
  const fromLeaves = (n: NodeId): Hash | undefined => {
    let level = leavesUnder(n).map((i) => found.get(nodeKey({ level: 0, index: i })));
    if (level.some((h) => !h)) return undefined;
    while (level.length > 1) {
      const up: (Hash | undefined)[] = [];
      for (let k = 0; k < level.length; k += 2) up.push(nodeHash(level[k]!, level[k + 1]!));
      level = up;
    }
    return level[0];
  };
  return (n) => {
    const h = n.level < STORED_FROM_LEVEL ? fromLeaves(n) : found.get(nodeKey(n));
    if (!h) throw new MissingNodeError(n);
    return h;
  };
}

async function hashesOf(db: Queryable, ranges: Range[]): Promise<Hash[]> {
  const get = await loadNodes(db, nodesFor(ranges));
  return ranges.map(([a, b]) => rangeHash(a, b, get));
}

/** The root of the first `size` leaves, from stored nodes (O(log n) of them). */
export async function treeRoot(db: Queryable, size: number): Promise<Hash> {
  const get = await loadNodes(db, perfectNodes(0, size));
  return rangeHash(0, size, get);
}

export const inclusionProof = (db: Queryable, index: number, size: number) =>
  hashesOf(db, inclusionRanges(index, size));

export const consistencyProof = (db: Queryable, from: number, to: number) =>
  hashesOf(db, consistencyRanges(from, to));

export interface StoredCheckpoint {
  tree_size: number;
  root_hash: Buffer;
  note: string;
  issued_at: string;
}

const CHECKPOINT_COLUMNS = 'tree_size, root_hash, note, issued_at';
const toCheckpoint = (r: { tree_size: string; root_hash: Buffer; note: string; issued_at: Date }) => ({
  tree_size: Number(r.tree_size),
  root_hash: r.root_hash,
  note: r.note,
  issued_at: r.issued_at.toISOString(),
});

export async function latestCheckpoint(db: Queryable): Promise<StoredCheckpoint | undefined> {
  const { rows } = await db.query(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_log_checkpoints ORDER BY tree_size DESC LIMIT 1`,
  );
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

export async function checkpointAt(db: Queryable, size: number): Promise<StoredCheckpoint | undefined> {
  const { rows } = await db.query(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_log_checkpoints WHERE tree_size = $1`,
    [size],
  );
  return rows[0] ? toCheckpoint(rows[0]) : undefined;
}

/** Every stored checkpoint up to `maxSize`, smallest first (verification narrows a fault with them). */
export async function checkpointsUpTo(db: Queryable, maxSize: number): Promise<StoredCheckpoint[]> {
  const { rows } = await db.query(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_log_checkpoints WHERE tree_size <= $1 ORDER BY tree_size`,
    [maxSize],
  );
  return rows.map(toCheckpoint);
}

export interface LogLeaf {
  idx: number;
  event_id: string;
  event_date: string;
  correlation_id: string;
  chain_position: number;
  leaf_hash: Buffer;
}

/** The leaf of a stored event id, or undefined when it is not (yet) in the log. */
export async function leafOfEvent(db: Queryable, eventId: string): Promise<LogLeaf | undefined> {
  const { rows } = await db.query(
    `SELECT idx, event_id::text, event_date::text, correlation_id, chain_position, leaf_hash
       FROM audit_log_leaves WHERE event_id = $1 ORDER BY idx LIMIT 1`,
    [eventId],
  );
  const r = rows[0];
  return r ? { ...r, idx: Number(r.idx), chain_position: Number(r.chain_position) } : undefined;
}

/** The log's identity and size as the state row has them. */
export async function logState(db: Queryable): Promise<{ log_id: string; tree_size: number }> {
  const { rows } = await db.query('SELECT log_id, tree_size FROM audit_log_state');
  return { log_id: rows[0].log_id, tree_size: Number(rows[0].tree_size) };
}
