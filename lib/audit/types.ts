/**
 * Audit events in Kubernaut's wire format (ADR-034 `AuditEventRequest`). The API,
 * the gateway and the workflow activities all write through one writer
 * (lib/audit/writer.ts) that takes these.
 */
export type AuditOutcome = 'success' | 'failure' | 'pending';

/** Kubernaut's event_category enum. */
export const AUDIT_CATEGORIES = [
  'gateway',
  'notification',
  'analysis',
  'aiagent',
  'signalprocessing',
  'workflow',
  'workflowexecution',
  'orchestration',
  'approval',
  'effectiveness',
  'actiontype',
  'apifrontend',
  'security',
  'agentsession',
] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

export interface AuditEventInput {
  /** UUID; when absent the writer assigns a random one (not idempotent on retry). */
  event_id?: string;
  version: string;
  event_type: string;
  /** RFC 3339. */
  event_timestamp: string;
  event_category: AuditCategory | string;
  event_action: string;
  event_outcome: AuditOutcome;
  actor_type?: string;
  actor_id?: string;
  actor_ip?: string;
  resource_type?: string;
  resource_id?: string;
  /** The RemediationRequest name for remediation events. */
  correlation_id: string;
  parent_event_id?: string;
  parent_event_date?: string;
  namespace?: string;
  cluster_id?: string;
  severity?: string;
  duration_ms?: number;
  error_code?: string;
  error_message?: string;
  retention_days?: number;
  is_sensitive?: boolean;
  event_data: Record<string, unknown>;
}

export interface StoredAuditEvent extends AuditEventInput {
  event_id: string;
  event_date: string;
  chain_position: number;
  event_hash: string;
  previous_event_hash: string;
  hash_algorithm: string;
  legal_hold: boolean;
  legal_hold_reason?: string;
  legal_hold_placed_by?: string;
  legal_hold_placed_at?: string;
}

export interface AuditWriteResult {
  /** In input order; for an event already stored, its existing id. */
  event_ids: string[];
  /** Rows actually inserted (0 for a full replay of stored events). */
  inserted: number;
  /**
   * Ids of the write that were not inserted because they were stored already with
   * the same content, or repeated in the batch; each once, in no particular order.
   */
  duplicate_event_ids: string[];
}

/**
 * The one audit writer. `write` is all-or-nothing for a batch and idempotent per
 * event_id and content (stored ids with the same content are skipped, under the
 * chain lock), so retries never duplicate rows or fork a chain; an id stored with
 * other content rejects the batch (AuditConflictError, lib/audit/idempotency.ts).
 */
export interface AuditWriter {
  write(events: AuditEventInput[]): Promise<AuditWriteResult>;
}
