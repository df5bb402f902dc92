/**
 * Conversions between the wire format (AuditEventInput), the stored row (AuditRow)
 * and what readers get back (StoredAuditEvent). Both directions produce the exact
 * values the hash covers, so writer and verifier agree byte for byte.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRow } from './hash.js';
import type { AuditEventInput, StoredAuditEvent } from './types.js';

export const DEFAULT_RETENTION_DAYS = 2555;

/** Bad input to the writer (as opposed to a database fault); the API maps it to 400. */
export class AuditInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'AuditInputError';
  }
}

function utcTimestamp(value: string, field: string): Date {
  const d = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(d.getTime())) {
    throw new AuditInputError(`${field} is not a valid RFC 3339 timestamp: ${String(value)}`, field);
  }
  return d;
}

const opt = <T>(v: T | undefined | null): T | null => (v === undefined ? null : v);

/**
 * The row for an input event, before its chain position is known. Timestamps are
 * normalised to UTC with millisecond precision (JavaScript's resolution), event_date
 * is the UTC day of event_timestamp, and ids are lower-case.
 */
export function toRow(e: AuditEventInput): Omit<AuditRow, 'chain_position'> {
  const ts = utcTimestamp(e.event_timestamp, 'event_timestamp');
  const iso = ts.toISOString();
  const parentDate = e.parent_event_date
    ? utcTimestamp(e.parent_event_date, 'parent_event_date').toISOString().slice(0, 10)
    : null;
  return {
    event_id: (e.event_id ?? randomUUID()).toLowerCase(),
    event_date: iso.slice(0, 10),
    version: e.version,
    event_timestamp: iso,
    event_type: e.event_type,
    event_category: e.event_category,
    event_action: e.event_action,
    event_outcome: e.event_outcome,
    actor_type: opt(e.actor_type),
    actor_id: opt(e.actor_id),
    actor_ip: opt(e.actor_ip),
    resource_type: opt(e.resource_type),
    resource_id: opt(e.resource_id),
    correlation_id: e.correlation_id,
    parent_event_id: e.parent_event_id ? e.parent_event_id.toLowerCase() : null,
    parent_event_date: parentDate,
    namespace: opt(e.namespace),
    cluster_id: opt(e.cluster_id),
    event_data: e.event_data ?? {},
    severity: opt(e.severity),
    duration_ms: opt(e.duration_ms),
    error_code: opt(e.error_code),
    error_message: opt(e.error_message),
    retention_days: e.retention_days ?? DEFAULT_RETENTION_DAYS,
    is_sensitive: e.is_sensitive ?? false,
  };
}

/**
 * SELECT list giving rows in AuditRow/StoredAuditEvent shape: dates as text (the
 * pg driver would turn them into local-time Dates) and the timestamp as a Date.
 */
export const STORED_COLUMNS = `
  event_id::text AS event_id, event_date::text AS event_date, version, event_timestamp, event_type,
  event_category, event_action, event_outcome, actor_type, actor_id, actor_ip, resource_type, resource_id,
  correlation_id, parent_event_id::text AS parent_event_id, parent_event_date::text AS parent_event_date,
  namespace, cluster_id, event_data, severity, duration_ms, error_code, error_message, retention_days,
  is_sensitive, chain_position, event_hash, previous_event_hash, hash_algorithm, legal_hold,
  legal_hold_reason, legal_hold_placed_by, legal_hold_placed_at`;

export interface DbAuditRow extends Omit<AuditRow, 'event_timestamp' | 'chain_position'> {
  event_timestamp: Date;
  chain_position: string | number;
  event_hash: string;
  previous_event_hash: string;
  hash_algorithm: string;
  legal_hold: boolean;
  legal_hold_reason: string | null;
  legal_hold_placed_by: string | null;
  legal_hold_placed_at: Date | null;
}

/**
 * A stored row for readers and the verifier. Null columns are left out, as the wire
 * format has them optional (and the hash treats absent and null alike).
 */
export function fromDb(r: DbAuditRow): AuditRow & StoredAuditEvent {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v !== null) out[k] = v;
  out.event_timestamp = r.event_timestamp.toISOString();
  out.chain_position = Number(r.chain_position);
  if (r.legal_hold_placed_at) out.legal_hold_placed_at = r.legal_hold_placed_at.toISOString();
  return out as unknown as AuditRow & StoredAuditEvent;
}
