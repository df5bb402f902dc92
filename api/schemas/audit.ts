/**
 * JSON schemas of the audit routes. They validate requests (Fastify/ajv), shape
 * responses, and become the OpenAPI document at /docs. Written for this project to
 * accept Kubernaut's AuditEventRequest wire format as it is: Kubernaut marks many
 * optional fields nullable, so they accept null here too.
 */
import { AUDIT_CATEGORIES } from '../../lib/audit/types.js';
import { checkpointObject } from './audit-log.js';

const nullableString = (maxLength?: number) => ({
  type: ['string', 'null'],
  ...(maxLength ? { maxLength } : {}),
});

const auditEventFields = {
  event_id: { type: 'string', format: 'uuid', description: 'Idempotency key; assigned when absent.' },
  version: { type: 'string', minLength: 1, maxLength: 20, examples: ['1.0'] },
  event_type: { type: 'string', minLength: 1, maxLength: 100, examples: ['gateway.signal.received'] },
  event_timestamp: { type: 'string', format: 'date-time' },
  event_category: { type: 'string', enum: [...AUDIT_CATEGORIES] },
  event_action: { type: 'string', minLength: 1, maxLength: 50 },
  event_outcome: { type: 'string', enum: ['success', 'failure', 'pending'] },
  actor_type: nullableString(100),
  actor_id: nullableString(255),
  actor_ip: nullableString(45),
  resource_type: nullableString(100),
  resource_id: nullableString(255),
  correlation_id: { type: 'string', minLength: 1, maxLength: 255 },
  parent_event_id: { type: ['string', 'null'], format: 'uuid' },
  parent_event_date: { type: ['string', 'null'], format: 'date-time' },
  namespace: nullableString(253),
  cluster_id: nullableString(255),
  severity: nullableString(50),
  duration_ms: { type: ['integer', 'null'], minimum: 0, maximum: 2147483647 },
  error_code: nullableString(100),
  error_message: nullableString(),
  retention_days: { type: ['integer', 'null'], minimum: 1, maximum: 36500 },
  is_sensitive: { type: ['boolean', 'null'] },
  event_data: {
    type: 'object',
    additionalProperties: true,
    description: 'Service-specific payload (≤ 256 KB, depth ≤ 10).',
  },
} as const;

export const auditEventRequest = {
  $id: 'AuditEventRequest',
  type: 'object',
  required: [
    'version',
    'event_type',
    'event_timestamp',
    'event_category',
    'event_action',
    'event_outcome',
    'correlation_id',
    'event_data',
  ],
  properties: auditEventFields,
} as const;

const storedEvent = {
  $id: 'AuditEvent',
  type: 'object',
  properties: {
    ...auditEventFields,
    event_date: { type: 'string', format: 'date' },
    chain_position: { type: 'integer' },
    event_hash: { type: 'string' },
    previous_event_hash: { type: 'string' },
    hash_algorithm: { type: 'string', enum: ['sha256', 'hmac-sha256'] },
    legal_hold: { type: 'boolean' },
    legal_hold_reason: { type: 'string' },
    legal_hold_placed_by: { type: 'string' },
    legal_hold_placed_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const problem = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 7807 problem details (application/problem+json).',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    field_errors: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

/** 409 on the write routes: an event id already stored (or repeated in the batch) with other content. */
export const eventIdConflictProblem = {
  type: 'object',
  description:
    'application/problem+json: an event id is stored with different content; nothing of the request was stored',
  properties: {
    ...problem.properties,
    conflicting_event_ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
  },
} as const;

export const auditEventResponse = {
  type: 'object',
  required: ['event_id', 'event_timestamp', 'message'],
  properties: {
    event_id: { type: 'string', format: 'uuid' },
    event_timestamp: { type: 'string', format: 'date-time' },
    message: { type: 'string' },
    already_stored: {
      type: 'boolean',
      description: 'The id was stored already with this content; nothing was written (additive)',
    },
    checkpoint: { ...checkpointObject, description: 'Latest signed checkpoint of the audit log (additive)' },
  },
} as const;

export const batchResponse = {
  type: 'object',
  required: ['event_ids'],
  properties: {
    event_ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
    message: { type: 'string' },
    duplicate_event_ids: {
      type: 'array',
      items: { type: 'string', format: 'uuid' },
      description:
        'Ids not written because they were stored already with the same content, or repeated in the batch (additive)',
    },
    checkpoint: { ...checkpointObject, description: 'Latest signed checkpoint of the audit log (additive)' },
  },
} as const;

export const queryString = {
  type: 'object',
  additionalProperties: false,
  properties: {
    correlation_id: { type: 'string', minLength: 1, maxLength: 255 },
    event_type: { type: 'string', minLength: 1, maxLength: 100 },
    event_category: { type: 'string', minLength: 1, maxLength: 50 },
    event_outcome: { type: 'string', enum: ['success', 'failure', 'pending'] },
    severity: { type: 'string', minLength: 1, maxLength: 50 },
    since: { type: 'string', description: 'RFC 3339, or relative: 30s, 30m, 24h, 7d' },
    until: { type: 'string', description: 'RFC 3339, or relative: 30s, 30m, 24h, 7d' },
    detail_key: { type: 'string', pattern: '^[a-zA-Z0-9_]+$', maxLength: 100 },
    detail_value: { type: 'string', maxLength: 1000 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, maximum: 1000000, default: 0 },
    cursor: { type: 'string', maxLength: 200, description: 'next_cursor of the previous page' },
  },
} as const;

export const queryResponse = {
  type: 'object',
  required: ['data', 'pagination'],
  properties: {
    data: { type: 'array', items: { $ref: 'AuditEvent#' } },
    pagination: {
      type: 'object',
      required: ['limit', 'offset', 'has_more', 'next_cursor'],
      properties: {
        limit: { type: 'integer' },
        offset: { type: 'integer' },
        total: { type: 'integer' },
        has_more: { type: 'boolean' },
        next_cursor: { type: ['string', 'null'] },
      },
    },
  },
} as const;

export const verifyChainBody = {
  type: 'object',
  required: ['correlation_id'],
  properties: { correlation_id: { type: 'string', minLength: 1, maxLength: 255 } },
} as const;

export const verifyChainResponse = {
  type: 'object',
  required: ['correlation_id', 'is_valid', 'total_events', 'verified_events', 'verification_time', 'message'],
  properties: {
    correlation_id: { type: 'string' },
    is_valid: { type: 'boolean' },
    total_events: { type: 'integer' },
    verified_events: { type: 'integer' },
    pruned_events: { type: 'integer' },
    tampered_events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          event_id: { type: 'string' },
          event_timestamp: { type: 'string', format: 'date-time' },
          chain_position: { type: 'integer' },
          expected_hash: { type: 'string' },
          actual_hash: { type: 'string' },
          previous_hash: { type: 'string' },
          message: { type: 'string' },
          log_index: { type: 'integer', description: 'Global sequence number in the audit log (additive)' },
        },
      },
    },
    verification_time: { type: 'string', format: 'date-time' },
    message: { type: 'string' },
    log_consistent: {
      type: 'boolean',
      description:
        'Every log entry of the correlation has its unchanged row and is in the signed checkpoint (additive)',
    },
    log_tree_size: { type: 'integer', description: 'Size of the checkpoint checked against (additive)' },
    missing_log_indexes: {
      type: 'array',
      items: { type: 'integer' },
      description: 'Sequence numbers the log holds for the correlation whose rows are gone (additive)',
    },
    unsequenced_events: { type: 'integer', description: 'Rows not yet covered by a checkpoint (additive)' },
  },
} as const;

export const legalHold = {
  $id: 'LegalHold',
  type: 'object',
  properties: {
    correlation_id: { type: 'string' },
    events_affected: { type: 'integer' },
    placed_by: { type: 'string' },
    placed_at: { type: 'string', format: 'date-time' },
    reason: { type: 'string' },
  },
} as const;

export const sharedSchemas = [auditEventRequest, storedEvent, problem, legalHold];
