/** JSON schemas of the audit log routes (api/routes/audit-log.ts) and the additive write-response field. */

const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const base64Hash = { type: 'string', description: 'base64 of a SHA-256 hash' } as const;

/** The signed tree head: verify `note` (C2SP signed note) before trusting the rest. */
export const checkpointObject = {
  type: 'object',
  required: ['origin', 'tree_size', 'root_hash', 'note'],
  properties: {
    origin: { type: 'string' },
    tree_size: size,
    root_hash: base64Hash,
    note: { type: 'string', description: 'C2SP tlog-checkpoint signed note' },
    issued_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const checkpointResponse = checkpointObject;

export const checkpointParams = {
  type: 'object',
  required: ['tree_size'],
  properties: { tree_size: size },
} as const;

export const consistencyQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: { from: size, to: size },
} as const;

export const consistencyResponse = {
  type: 'object',
  required: ['from', 'to', 'proof'],
  properties: {
    from: size,
    to: size,
    proof: { type: 'array', items: base64Hash },
    from_checkpoint: checkpointObject,
    to_checkpoint: checkpointObject,
  },
} as const;

export const proofParams = {
  type: 'object',
  required: ['event_id'],
  properties: { event_id: { type: 'string', format: 'uuid' } },
} as const;

export const proofQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { tree_size: { ...size, minimum: 1 } },
} as const;

export const proofResponse = {
  type: 'object',
  required: ['event_id', 'log_index', 'tree_size', 'leaf_hash', 'inclusion_path', 'checkpoint'],
  properties: {
    event_id: { type: 'string', format: 'uuid' },
    log_index: size,
    tree_size: size,
    leaf_hash: base64Hash,
    inclusion_path: { type: 'array', items: base64Hash },
    checkpoint: checkpointObject,
  },
} as const;
