/**
 * Schemas of GET /api/v1/audit/export: Kubernaut's exportAuditEvents parameters and
 * AuditExportResponse, plus the additive fields that make it verifiable offline
 * (lib/audit/export-format.ts). Events and filters are passed through as they are
 * (additionalProperties): the verifier recomputes each event's leaf from its bytes,
 * so the serializer must not reshape them.
 */
import { checkpointObject } from './audit-log.js';

export const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    start_time: { type: 'string', format: 'date-time', description: 'Start of the time range (inclusive)' },
    end_time: { type: 'string', format: 'date-time', description: 'End of the time range (inclusive)' },
    correlation_id: { type: 'string', minLength: 1, maxLength: 255 },
    event_category: { type: 'string', minLength: 1, maxLength: 50 },
    format: { type: 'string', enum: ['json'], default: 'json' },
    include_detached_signature: { type: 'boolean', default: false },
    offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 },
    redact_pii: {
      type: 'boolean',
      default: false,
      description:
        'Refused when true: a redacted event no longer hashes to its leaf, so it could not be verified',
    },
  },
} as const;

const b64 = { type: 'string', description: 'base64' } as const;

export const exportResponse = {
  type: 'object',
  required: ['export_metadata', 'events', 'hash_chain_verification', 'signed_note', 'checkpoint', 'proofs'],
  properties: {
    export_metadata: {
      type: 'object',
      additionalProperties: true,
      properties: {
        export_timestamp: { type: 'string', format: 'date-time' },
        export_format: { type: 'string', enum: ['json'] },
        query_filters: { type: 'object', additionalProperties: true },
        total_events: { type: 'integer' },
        signature: { type: 'string', description: 'base64(key id ‖ Ed25519 signature) over signed_note' },
        signature_algorithm: { type: 'string', enum: ['Ed25519'] },
        signing_key: { type: 'string', description: 'name+key id of the signing key (additive)' },
        exported_by: { type: 'string' },
        has_more: { type: 'boolean', description: 'More events match: ask again with offset (additive)' },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        description: 'A stored audit event with hash_chain_valid and log_index (additive)',
      },
    },
    hash_chain_verification: { type: 'object', additionalProperties: true },
    detached_signature: { type: 'string', description: 'The signed note (with include_detached_signature)' },
    signed_note: {
      type: 'string',
      description:
        'C2SP signed note over the export: log, checkpoint, manifest and metadata digests (additive)',
    },
    checkpoint: checkpointObject,
    proofs: {
      type: 'array',
      description: 'Per event, in export order: log index, leaf hash, RFC 9162 inclusion proof (additive)',
      items: {
        type: 'object',
        properties: {
          event_id: { type: 'string', format: 'uuid' },
          log_index: { type: ['integer', 'null'] },
          leaf_hash: b64,
          inclusion_path: { type: 'array', items: b64 },
        },
      },
    },
  },
} as const;
