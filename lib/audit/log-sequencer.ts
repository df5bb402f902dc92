/**
 * The sequencer: gives committed audit events their place in the log, extends the
 * Merkle tree and signs a checkpoint, all in one transaction.
 *
 * One sequencer at a time, whichever process runs it: pg_try_advisory_xact_lock, and
 * the state row locked FOR UPDATE. It takes queued events in queue order (a stable
 * order among what has committed), gives them contiguous indexes from the tree size,
 * stores their leaf hashes and the perfect subtrees they complete (from
 * STORED_FROM_LEVEL up; lower ones are hashed from the leaves), and signs the new
 * tree head.
 *
 * It never signs a tree that does not extend what it last vouched for (the anchor:
 * the last checkpoint it signed or found published outside the database): before
 * appending, the stored right edge must match the state row, and the stored tree at
 * the anchor's size must have the anchor's root. Otherwise it stops with
 * LogInconsistentError and signs nothing until someone looks (C2SP tlog-checkpoint:
 * a log must not sign a checkpoint inconsistent with one it signed before).
 */
import type pg from 'pg';
import { appendQueued } from './log-queue.js';
import { loadNodes, MissingNodeError, type Queryable, STORED_FROM_LEVEL, treeRoot } from './log-store.js';
import { CompactRange, type Hash, perfectNodes } from './merkle.js';
import { checkpointText, type NoteSigner, signNote } from './note.js';

/** Fixed advisory lock key of the sequencer ('kubernaut audit log' hashed once). */
const SEQUENCER_LOCK = 0x6b61_6c67;

export class LogInconsistentError extends Error {
  override name = 'LogInconsistentError';
}

/** The tree head the sequencer must extend. */
export interface Anchor {
  size: number;
  root: Hash;
}

export interface SignedCheckpoint {
  origin: string;
  tree_size: number;
  root_hash: Buffer;
  note: string;
}

export interface SequenceOptions {
  signer: NoteSigner;
  /** The checkpoint origin; undefined: "<defaultOriginPrefix>/<log_id>". */
  origin?: string;
  anchor?: Anchor;
  /** Most events per run (one checkpoint per run). */
  batchSize?: number;
}

export interface SequenceResult {
  /** Another process holds the sequencer lock; nothing was done. */
  busy: boolean;
  sequenced: number;
  /** Queued events (from before migrations/0007) whose row was gone before they could be sequenced. */
  vanished: string[];
  /** The checkpoint signed by this run, if the tree grew (or had none yet). */
  checkpoint?: SignedCheckpoint;
  origin: string;
}

export const DEFAULT_ORIGIN_PREFIX = 'kubernaut.local/audit';

export function originFor(logId: string, configured?: string): string {
  return configured ?? `${DEFAULT_ORIGIN_PREFIX}/${logId}`;
}

/** Runs a read of the stored tree; a missing node means the tables were cut. */
async function fromStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof MissingNodeError) throw new LogInconsistentError(err.message);
    throw err;
  }
}

async function checkAgainstStore(db: Queryable, range: CompactRange, anchor: Anchor | undefined) {
  const stored = await fromStore(async () => {
    const get = await loadNodes(db, perfectNodes(0, range.size));
    return perfectNodes(0, range.size).map(get);
  });
  if (stored.length !== range.hashes.length || stored.some((h, i) => !h.equals(range.hashes[i]!))) {
    throw new LogInconsistentError(
      'the stored tree does not match the log state row: a log table was altered',
    );
  }
  if (!anchor) return;
  if (range.size < anchor.size) {
    throw new LogInconsistentError(
      `the log has ${range.size} entries but a checkpoint of size ${anchor.size} was signed: entries were removed`,
    );
  }
  const root = anchor.size === range.size ? range.root() : await fromStore(() => treeRoot(db, anchor.size));
  if (!root.equals(anchor.root)) {
    throw new LogInconsistentError(
      `the stored tree at size ${anchor.size} does not have the root of the checkpoint signed for that size: the log was rewritten`,
    );
  }
}

/** One run of the sequencer (see the file comment). */
export async function sequenceOnce(pool: pg.Pool, opts: SequenceOptions): Promise<SequenceResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
      SEQUENCER_LOCK,
    ]);
    const state = await client.query<{ log_id: string; tree_size: string; compact_range: Buffer[] }>(
      lock.rows[0]!.ok
        ? 'SELECT log_id, tree_size, compact_range FROM audit_log_state FOR UPDATE'
        : 'SELECT log_id, tree_size, compact_range FROM audit_log_state',
    );
    const s = state.rows[0]!;
    const origin = originFor(s.log_id, opts.origin);
    if (!lock.rows[0]!.ok) {
      await client.query('ROLLBACK');
      return { busy: true, sequenced: 0, vanished: [], origin };
    }
    const range = new CompactRange(Number(s.tree_size), s.compact_range);
    await checkAgainstStore(client, range, opts.anchor);

    // The queued events become leaves (stored, and removed from the queue) in SQL;
    // here the tree grows over their hashes and its new perfect subtrees are stored.
    const taken = await appendQueued(client, opts.batchSize ?? 5000, range.size);
    const nodes = { level: [] as number[], idx: [] as number[], hash: [] as Buffer[] };
    for (const leaf of taken.leaves) {
      for (const n of range.append(leaf)) {
        if (n.level < STORED_FROM_LEVEL) continue; // hashed from the leaves when needed
        nodes.level.push(n.level);
        nodes.idx.push(n.index);
        nodes.hash.push(n.hash);
      }
    }
    if (nodes.level.length > 0) {
      await client.query(
        `INSERT INTO audit_log_nodes (level, idx, hash)
         SELECT l, i, substring($3::bytea FROM (o::int - 1) * 32 + 1 FOR 32)
           FROM unnest($1::smallint[], $2::bigint[]) WITH ORDINALITY AS n(l, i, o)`,
        [nodes.level, nodes.idx, Buffer.concat(nodes.hash)],
      );
    }
    const signed = await client.query('SELECT 1 FROM audit_log_checkpoints WHERE tree_size = $1', [
      range.size,
    ]);
    let checkpoint: SignedCheckpoint | undefined;
    if (signed.rowCount === 0) {
      const root = range.root();
      const note = signNote(checkpointText({ origin, size: range.size, root }), [opts.signer]);
      await client.query(
        'INSERT INTO audit_log_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)',
        [range.size, root, note],
      );
      checkpoint = { origin, tree_size: range.size, root_hash: root, note };
    }
    await client.query(
      'UPDATE audit_log_state SET tree_size = $1, compact_range = $2::bytea[], updated_at = now()',
      [range.size, range.hashes],
    );
    await client.query('COMMIT');
    return { busy: false, sequenced: taken.leaves.length, vanished: taken.vanished, checkpoint, origin };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
