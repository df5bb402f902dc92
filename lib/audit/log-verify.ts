/**
 * Verification of the whole audit log against a checkpoint the verifier trusts
 * (one it kept, or read from where checkpoints are published): every leaf up to the
 * checkpoint's size is recomputed from its stored event, and the tree over the
 * leaves must have the checkpoint's root.
 *
 * What it names, by global sequence number (leaf index):
 * - missing-leaf: the log has no leaf at an index below the checkpoint's size;
 * - missing-event: a leaf whose event row is gone, with no retention tombstone
 *   bound to that leaf (a tombstone counts only when it carries the leaf's hash:
 *   retention writes it so, migrations/0009);
 * - modified-event: a row whose canonical bytes no longer hash to its leaf
 *   (content, correlation or chain position changed);
 * - unlogged-event: a row that is neither in the log nor queued for it (inserted
 *   with the queueing trigger off); it has no index.
 * When every leaf matches its row but the root does not (the log tables themselves
 * were rewritten consistently), the root alone cannot say where: the signed
 * checkpoints stored along the way narrow it to [last matching size, first
 * mismatching size), and first_bad_index is the start of that range.
 */
import type pg from 'pg';
import { type ChainedRow, eventLeafHash } from './log-entry.js';
import { checkpointsUpTo } from './log-store.js';
import { CompactRange, type Hash } from './merkle.js';
import { type Checkpoint, type NoteVerifier, openCheckpoint } from './note.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

export type LogProblemKind = 'missing-leaf' | 'missing-event' | 'modified-event' | 'unlogged-event';

export interface LogProblem {
  kind: LogProblemKind;
  log_index?: number;
  event_id?: string;
  correlation_id?: string;
  chain_position?: number;
  message: string;
}

export interface LogVerification {
  origin: string;
  tree_size: number;
  is_valid: boolean;
  root_matches: boolean;
  /** Lowest sequence number known bad (or the start of first_bad_range). */
  first_bad_index: number | null;
  /** When the fault is only narrowed by signed checkpoints: [from, to). */
  first_bad_range?: [number, number];
  problems: LogProblem[];
  checked_events: number;
  pruned_events: number;
  message: string;
}

const MAX_PROBLEMS = 1000;

interface LeafRow extends DbAuditRow {
  l_idx: string;
  l_event_id: string;
  l_correlation_id: string;
  l_chain_position: string;
  l_leaf_hash: Buffer;
  pruned: boolean;
}

export async function verifyLog(
  pool: pg.Pool,
  trusted: Checkpoint,
  opts: { verifiers: NoteVerifier[]; pageSize?: number },
): Promise<LogVerification> {
  const size = trusted.size;
  const pageSize = opts.pageSize ?? 2000;
  const problems: LogProblem[] = [];
  const add = (p: LogProblem) => problems.length < MAX_PROBLEMS && problems.push(p);
  // Signed checkpoints along the way, for narrowing; ones that do not verify are ignored.
  const marks = new Map<number, Hash>();
  for (const c of await checkpointsUpTo(pool, size)) {
    try {
      const opened = openCheckpoint(c.note, opts.verifiers, trusted.origin);
      if (opened.size === c.tree_size) marks.set(c.tree_size, opened.root);
    } catch {}
  }
  marks.set(0, new CompactRange().root());
  marks.set(size, trusted.root);
  const matched: number[] = [];
  const mismatched: number[] = [];
  const range = new CompactRange();
  let complete = true;
  let checked = 0;
  let pruned = 0;
  const mark = () => {
    const want = marks.get(range.size);
    if (want && complete) (range.root().equals(want) ? matched : mismatched).push(range.size);
  };
  mark();
  for (let from = 0; from < size; from += pageSize) {
    const to = Math.min(size, from + pageSize);
    const { rows } = await pool.query<LeafRow>(
      `SELECT l.idx AS l_idx, l.event_id::text AS l_event_id, l.correlation_id AS l_correlation_id,
              l.chain_position AS l_chain_position, l.leaf_hash AS l_leaf_hash, e.*,
              EXISTS (SELECT 1 FROM audit_retention_tombstones t
                       WHERE t.correlation_id = l.correlation_id AND t.chain_position = l.chain_position
                         AND t.event_id = l.event_id AND t.leaf_hash = l.leaf_hash) AS pruned
         FROM audit_log_leaves l
         LEFT JOIN LATERAL (SELECT ${STORED_COLUMNS} FROM audit_events a
                             WHERE a.event_id = l.event_id AND a.event_date = l.event_date) e ON true
        WHERE l.idx >= $1 AND l.idx < $2 ORDER BY l.idx`,
      [from, to],
    );
    let expected = from;
    for (const r of rows) {
      const idx = Number(r.l_idx);
      if (idx !== expected) {
        add({
          kind: 'missing-leaf',
          log_index: expected,
          message: `log entries ${expected}..${idx - 1} are missing from the log`,
        });
        complete = false;
      }
      expected = idx + 1;
      const where = {
        log_index: idx,
        event_id: r.l_event_id,
        correlation_id: r.l_correlation_id,
        chain_position: Number(r.l_chain_position),
      };
      if (r.event_id === null) {
        if (r.pruned) pruned++;
        else add({ kind: 'missing-event', ...where, message: `event at log index ${idx} was deleted` });
      } else {
        checked++;
        if (!eventLeafHash(fromDb(r) as unknown as ChainedRow).equals(r.l_leaf_hash)) {
          add({
            kind: 'modified-event',
            ...where,
            message: `event at log index ${idx} no longer matches its leaf`,
          });
        }
      }
      range.append(r.l_leaf_hash);
      mark();
    }
    if (expected < to) {
      add({
        kind: 'missing-leaf',
        log_index: expected,
        message: `log entries ${expected}..${to - 1} are missing`,
      });
      complete = false;
      break;
    }
  }
  const rootMatches = complete && range.size === size && range.root().equals(trusted.root);

  const unlogged = await pool.query<{ event_id: string; correlation_id: string; chain_position: string }>(
    `SELECT e.event_id::text, e.correlation_id, e.chain_position FROM audit_events e
      WHERE NOT EXISTS (SELECT 1 FROM audit_log_leaves l WHERE l.event_id = e.event_id AND l.event_date = e.event_date)
        AND NOT EXISTS (SELECT 1 FROM audit_log_pending p WHERE p.event_id = e.event_id AND p.event_date = e.event_date)
      LIMIT ${MAX_PROBLEMS}`,
  );
  for (const u of unlogged.rows) {
    add({
      kind: 'unlogged-event',
      event_id: u.event_id,
      correlation_id: u.correlation_id,
      chain_position: Number(u.chain_position),
      message: 'event is stored but was never entered in the log',
    });
  }

  const indexed = problems.filter((p) => p.log_index !== undefined).map((p) => p.log_index!);
  let firstBad: number | null = indexed.length ? Math.min(...indexed) : null;
  let firstBadRange: [number, number] | undefined;
  if (firstBad === null && !rootMatches) {
    // Only the tree is wrong: between the last signed size it still matches and the next.
    const ok = Math.max(0, ...matched);
    const bad = Math.min(size, ...mismatched.filter((s) => s > ok));
    firstBad = ok;
    firstBadRange = [ok, Math.max(bad, ok + 1)];
  }
  const valid = rootMatches && problems.length === 0;
  return {
    origin: trusted.origin,
    tree_size: size,
    is_valid: valid,
    root_matches: rootMatches,
    first_bad_index: firstBad,
    ...(firstBadRange ? { first_bad_range: firstBadRange } : {}),
    problems,
    checked_events: checked,
    pruned_events: pruned,
    message: valid
      ? `log intact: ${size} entries match the checkpoint (${checked} events checked, ${pruned} removed by retention)`
      : firstBadRange
        ? `log does not match the checkpoint of size ${size}: rewritten between entries ${firstBadRange[0]} and ${firstBadRange[1] - 1}`
        : `log does not match the checkpoint of size ${size}: first bad entry ${firstBad ?? '(none indexed)'}; ${problems.length} problem(s)`,
  };
}
