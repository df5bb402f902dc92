/**
 * Hash-chain verification of one correlation: walks the chain by position and
 * checks every link. A modified row shows as a hash mismatch; a deleted row as a
 * gap in chain_position and a previous-hash mismatch on the row after it. Rows that
 * retention removed left a tombstone carrying their hash, so the chain still links
 * across them (see migrations/0002). A tombstone counts only when it is bound to
 * its event's Merkle leaf (migrations/0009: the leaf hash the log holds, or the one
 * queued for it); one that is not — forged by someone who deleted the row — is
 * reported, and the chain does not link across it. Tombstones of rows removed
 * before the log existed have no leaf to bind to and link as before.
 *
 * Limitation (inherent to any chain without an external anchor): deleting the newest
 * rows of a chain leaves a shorter, valid chain.
 */
import type pg from 'pg';
import { type AuditRow, eventHash, GENESIS_HASH, type HashAlgorithm } from './hash.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

/**
 * A correlation's tombstones, each with whether it is bound: its leaf hash is the one
 * the log holds (or has queued) for that event at that chain position; or, for rows
 * removed before the log existed, the log knows nothing of that event or position.
 */
const TOMBSTONES_SQL = `
  SELECT t.chain_position, t.event_hash, t.event_id::text,
         CASE
           WHEN t.leaf_hash IS NOT NULL THEN
             EXISTS (SELECT 1 FROM audit_log_leaves l
                      WHERE l.event_id = t.event_id AND l.event_date = t.event_date
                        AND l.correlation_id = t.correlation_id AND l.chain_position = t.chain_position
                        AND l.leaf_hash = t.leaf_hash)
             OR EXISTS (SELECT 1 FROM audit_log_pending p
                         WHERE p.event_id = t.event_id AND p.event_date = t.event_date
                           AND p.correlation_id = t.correlation_id AND p.chain_position = t.chain_position
                           AND p.leaf_hash = t.leaf_hash)
           ELSE NOT EXISTS (SELECT 1 FROM audit_log_leaves l
                             WHERE l.event_id = t.event_id
                                OR (l.correlation_id = t.correlation_id AND l.chain_position = t.chain_position))
                AND NOT EXISTS (SELECT 1 FROM audit_log_pending p WHERE p.event_id = t.event_id)
         END AS bound
    FROM audit_retention_tombstones t WHERE t.correlation_id = $1`;

export interface TamperedEvent {
  event_id: string;
  event_timestamp?: string;
  chain_position: number;
  expected_hash: string;
  actual_hash: string;
  previous_hash: string;
  message: string;
}

export interface ChainVerification {
  correlation_id: string;
  is_valid: boolean;
  total_events: number;
  verified_events: number;
  /** Rows removed by retention that the chain links across. */
  pruned_events: number;
  tampered_events: TamperedEvent[];
  verification_time: string;
  message: string;
}

export interface VerifyChainOptions {
  hmacKey?: string;
  /** Called once per verification (metrics). */
  onVerified?: (valid: boolean) => void;
}

export async function verifyChain(
  pool: pg.Pool,
  correlationId: string,
  opts: VerifyChainOptions = {},
): Promise<ChainVerification> {
  const [rowsRes, tombRes] = await Promise.all([
    pool.query<DbAuditRow>(
      `SELECT ${STORED_COLUMNS} FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position, event_id`,
      [correlationId],
    ),
    pool.query<{ chain_position: string; event_hash: string; event_id: string; bound: boolean }>(
      TOMBSTONES_SQL,
      [correlationId],
    ),
  ]);
  const tampered: TamperedEvent[] = [];
  const tombstones = new Map<number, string>();
  for (const t of tombRes.rows) {
    if (t.bound) {
      tombstones.set(Number(t.chain_position), t.event_hash);
      continue;
    }
    tampered.push({
      event_id: t.event_id,
      chain_position: Number(t.chain_position),
      expected_hash: '',
      actual_hash: t.event_hash,
      previous_hash: '',
      message:
        'retention tombstone is not bound to the Merkle leaf of its event (forged): the row was deleted',
    });
  }
  let verified = 0;
  let expectedPosition = 1;
  let previousHash = GENESIS_HASH;

  for (const raw of rowsRes.rows) {
    const row = fromDb(raw);
    // Bridge positions removed by retention.
    while (expectedPosition < row.chain_position && tombstones.has(expectedPosition)) {
      previousHash = tombstones.get(expectedPosition)!;
      expectedPosition++;
    }
    const problems: string[] = [];
    if (row.chain_position !== expectedPosition) {
      problems.push(
        row.chain_position > expectedPosition
          ? `chain positions ${expectedPosition}..${row.chain_position - 1} are missing (deleted rows)`
          : `chain position ${row.chain_position} repeats (forked chain)`,
      );
    }
    if (row.previous_event_hash !== previousHash) {
      problems.push('previous_event_hash does not match the hash of the preceding event');
    }
    let recomputed: string;
    try {
      recomputed = eventHash(
        row.previous_event_hash,
        row as AuditRow,
        row.hash_algorithm as HashAlgorithm,
        opts.hmacKey,
      );
      if (recomputed !== row.event_hash) problems.push('event_hash does not match the stored content');
    } catch (err) {
      recomputed = '';
      problems.push((err as Error).message);
    }
    if (problems.length > 0) {
      tampered.push({
        event_id: row.event_id,
        event_timestamp: row.event_timestamp,
        chain_position: row.chain_position,
        expected_hash: recomputed,
        actual_hash: row.event_hash,
        previous_hash: previousHash,
        message: problems.join('; '),
      });
    } else {
      verified++;
    }
    previousHash = row.event_hash;
    expectedPosition = row.chain_position + 1;
  }

  const total = rowsRes.rowCount ?? 0;
  const valid = tampered.length === 0;
  opts.onVerified?.(valid);
  return {
    correlation_id: correlationId,
    is_valid: valid,
    total_events: total,
    verified_events: verified,
    pruned_events: tombstones.size,
    tampered_events: tampered,
    verification_time: new Date().toISOString(),
    message:
      total === 0
        ? `no audit events for correlation_id ${correlationId}`
        : valid
          ? `hash chain intact: ${verified} of ${total} events verified`
          : `hash chain broken: ${tampered.length} of ${total} events fail verification`,
  };
}
