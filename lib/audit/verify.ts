/**
 * Hash-chain verification of one correlation: walks the chain by position and
 * checks every link. A modified row shows as a hash mismatch; a deleted row as a
 * gap in chain_position and a previous-hash mismatch on the row after it. Rows that
 * retention removed left a tombstone carrying their hash, so the chain still links
 * across them (see migrations/0002).
 *
 * Limitation (inherent to any chain without an external anchor): deleting the newest
 * rows of a chain leaves a shorter, valid chain.
 */
import type pg from 'pg';
import { type AuditRow, eventHash, GENESIS_HASH, type HashAlgorithm } from './hash.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

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
    pool.query<{ chain_position: string; event_hash: string }>(
      'SELECT chain_position, event_hash FROM audit_retention_tombstones WHERE correlation_id = $1',
      [correlationId],
    ),
  ]);
  const tombstones = new Map(tombRes.rows.map((t) => [Number(t.chain_position), t.event_hash]));
  const tampered: TamperedEvent[] = [];
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
