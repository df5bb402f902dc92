/**
 * Schemas of the reconstruction route, shaped as Kubernaut's ReconstructionResponse
 * (and its ValidationResult) plus our optional per-field provenance.
 */
const eventRef = {
  type: 'object',
  required: ['event_type', 'event_id', 'event_timestamp'],
  properties: {
    event_type: { type: 'string' },
    event_id: { type: 'string', format: 'uuid' },
    event_timestamp: { type: 'string', format: 'date-time' },
    via: {
      type: 'string',
      enum: ['derived', 'rr_status'],
      description: 'derived: computed from other fields; rr_status: from the final status snapshot',
    },
  },
} as const;

export const reconstructParams = {
  type: 'object',
  required: ['correlation_id'],
  properties: {
    // As stored by the audit write routes; control characters never name a remediation.
    correlation_id: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
  },
} as const;

export const reconstructQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    provenance: {
      type: 'boolean',
      default: false,
      description: 'Include, per field path, the event it came from',
    },
  },
} as const;

export const reconstructResponse = {
  type: 'object',
  required: ['remediation_request_yaml', 'validation', 'reconstructed_at', 'correlation_id'],
  properties: {
    remediation_request_yaml: {
      type: 'string',
      description: 'The RemediationRequest, ready for kubectl apply',
    },
    validation: {
      type: 'object',
      required: ['is_valid', 'completeness', 'errors', 'warnings'],
      properties: {
        is_valid: { type: 'boolean' },
        completeness: { type: 'integer', minimum: 0, maximum: 100 },
        errors: { type: 'array', items: { type: 'string' } },
        warnings: { type: 'array', items: { type: 'string' } },
      },
    },
    reconstructed_at: { type: 'string', format: 'date-time' },
    correlation_id: { type: 'string' },
    cluster_id: { type: 'string' },
    provenance: { type: 'object', additionalProperties: eventRef },
  },
} as const;
