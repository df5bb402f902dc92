/**
 * The bytes of an audit event as a leaf of the log:
 *
 *   canonicalCore(row) LF event_hash LF previous_event_hash LF hash_algorithm
 *
 * canonicalCore is the canonical JSON the per-correlation hash covers
 * (lib/audit/hash.ts: every field a caller supplies, correlation_id and
 * chain_position included; it never contains a raw newline), and the chain fields
 * follow it. Moving an event to another correlation or place in its chain, or
 * changing its link, changes its leaf. Legal-hold bookkeeping and stored_at are
 * not covered: they may legitimately change, or are the database's own.
 *
 * The writer computes the leaf when it links the row, before the database holds it,
 * and queues it with the row (migrations/0007); verification recomputes it from the
 * stored row.
 */
import { createHash } from 'node:crypto';
import { type AuditRow, canonicalCore } from './hash.js';
import { type Hash, LEAF_PREFIX, leafHash } from './merkle.js';

export interface ChainedRow extends AuditRow {
  event_hash: string;
  previous_event_hash: string;
  hash_algorithm: string;
}

export function logEntryOf(core: string, eventHash: string, previousHash: string, algorithm: string): Buffer {
  return Buffer.from(`${core}\n${eventHash}\n${previousHash}\n${algorithm}`);
}

/**
 * leafHash(logEntryOf(...)) without building the entry's bytes: the hash takes the
 * same bytes piece by piece (strings as UTF-8, as Buffer.from writes them).
 */
export function leafHashOf(core: string, eventHash: string, previousHash: string, algorithm: string): Hash {
  return createHash('sha256')
    .update(LEAF_PREFIX)
    .update(core)
    .update(`\n${eventHash}\n${previousHash}\n${algorithm}`)
    .digest();
}

export function logEntry(row: ChainedRow): Buffer {
  return logEntryOf(canonicalCore(row), row.event_hash, row.previous_event_hash, row.hash_algorithm);
}

export const eventLeafHash = (row: ChainedRow): Hash => leafHash(logEntry(row));
