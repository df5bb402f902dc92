/**
 * The tamper-evidence hash of one audit row.
 *
 *   event_hash = H(previous_event_hash || canonical_json(core fields))
 *
 * H is SHA-256, or HMAC-SHA256 keyed with AUDIT_HMAC_KEY when one is configured
 * (then someone with database access alone cannot recompute a forged chain).
 * `hash_algorithm` on each row says which, so a chain survives turning the key on.
 *
 * The first event of a correlation chains to GENESIS_HASH (64 zeros) at position 1.
 *
 * Canonical JSON = keys sorted at every depth, no whitespace (safe-stable-stringify).
 * The core fields are exactly the values the database gives back (timestamps in
 * UTC with milliseconds, dates as YYYY-MM-DD, absent optionals as null), so the
 * verifier recomputes the same bytes from a stored row.
 */
import { createHash, createHmac } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

export const GENESIS_HASH = '0'.repeat(64);

export type HashAlgorithm = 'sha256' | 'hmac-sha256';

/** One audit row as the writer stores it and the verifier reads it back. */
export interface AuditRow {
  event_id: string;
  event_date: string;
  version: string;
  event_timestamp: string;
  event_type: string;
  event_category: string;
  event_action: string;
  event_outcome: string;
  actor_type: string | null;
  actor_id: string | null;
  actor_ip: string | null;
  resource_type: string | null;
  resource_id: string | null;
  correlation_id: string;
  parent_event_id: string | null;
  parent_event_date: string | null;
  namespace: string | null;
  cluster_id: string | null;
  event_data: Record<string, unknown>;
  severity: string | null;
  duration_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  retention_days: number;
  is_sensitive: boolean;
  chain_position: number;
}

/** Everything the hash covers: every column a caller supplies, plus the chain position. */
export const CORE_FIELDS = [
  'event_id',
  'event_date',
  'version',
  'event_timestamp',
  'event_type',
  'event_category',
  'event_action',
  'event_outcome',
  'actor_type',
  'actor_id',
  'actor_ip',
  'resource_type',
  'resource_id',
  'correlation_id',
  'parent_event_id',
  'parent_event_date',
  'namespace',
  'cluster_id',
  'event_data',
  'severity',
  'duration_ms',
  'error_code',
  'error_message',
  'retention_days',
  'is_sensitive',
  'chain_position',
] as const satisfies readonly (keyof AuditRow)[];

/** The core fields in the order canonical JSON lists them (sorted), each with its key's text. */
const SORTED_CORE = [...CORE_FIELDS].sort();
const KEY_TEXT = SORTED_CORE.map((f, i) => `${i ? ',' : '{'}"${f}":`);

/**
 * Canonical JSON of the core fields: the text `stringify(core)` gives for the object
 * of these fields, written field by field in sorted order, so the top level is not
 * built and sorted again for every event (the writer's profile under ingest: a tenth
 * of the API's CPU was this function). Field names are plain ASCII, so their JSON
 * text is the name in quotes; each value goes through the same stringify.
 */
export function canonicalCore(row: AuditRow): string {
  let text = '';
  for (let i = 0; i < SORTED_CORE.length; i++) {
    const f = SORTED_CORE[i]!;
    // chain_position arrives from PostgreSQL's bigint as a string; hash it as a number.
    const value = f === 'chain_position' ? Number(row.chain_position) : (row[f] ?? null);
    text += KEY_TEXT[i] + (stringify(value) as string);
  }
  return `${text}}`;
}

export function algorithmFor(hmacKey?: string): HashAlgorithm {
  return hmacKey ? 'hmac-sha256' : 'sha256';
}

/** Hex digest of one link. Throws when an HMAC row is checked without the key. */
export function eventHash(previousHash: string, row: AuditRow, algorithm: HashAlgorithm, hmacKey?: string) {
  return linkHash(previousHash, canonicalCore(row), algorithm, hmacKey);
}

/** eventHash for a row whose canonicalCore is already computed (the writer reuses it for the log leaf). */
export function linkHash(previousHash: string, core: string, algorithm: HashAlgorithm, hmacKey?: string) {
  const payload = previousHash + core;
  if (algorithm === 'hmac-sha256') {
    if (!hmacKey) throw new Error('hmac-sha256 audit rows need the HMAC key (AUDIT_HMAC_KEY) to verify');
    return createHmac('sha256', hmacKey).update(payload).digest('hex');
  }
  return createHash('sha256').update(payload).digest('hex');
}
