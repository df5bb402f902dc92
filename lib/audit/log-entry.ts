/**
 * The bytes of an audit event as a leaf of the log: canonical JSON of every field the
 * per-correlation hash covers (lib/audit/hash.ts) plus the chain fields themselves
 * (event_hash, previous_event_hash, hash_algorithm). Correlation and chain position
 * are inside, so moving an event to another correlation or place in its chain changes
 * its leaf. Legal-hold bookkeeping and stored_at are not: they may legitimately change
 * or are the database's own.
 */
import { stringify } from 'safe-stable-stringify';
import { type AuditRow, CORE_FIELDS } from './hash.js';
import { leafHash } from './merkle.js';

export interface ChainedRow extends AuditRow {
  event_hash: string;
  previous_event_hash: string;
  hash_algorithm: string;
}

export function logEntry(row: ChainedRow): Buffer {
  const entry: Record<string, unknown> = {};
  for (const f of CORE_FIELDS) entry[f] = row[f] ?? null;
  entry.chain_position = Number(row.chain_position);
  entry.event_hash = row.event_hash;
  entry.previous_event_hash = row.previous_event_hash;
  entry.hash_algorithm = row.hash_algorithm;
  return Buffer.from(stringify(entry) as string);
}

export const eventLeafHash = (row: ChainedRow) => leafHash(logEntry(row));
