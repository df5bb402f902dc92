/**
 * JSON schemas of GET /api/v1/remediation-history/context, written for this
 * project after Kubernaut's RemediationHistoryContext. The response schema also
 * shapes the answer (Fastify serialises only the fields listed), so every field
 * the history computes is listed, nullable ones as such.
 */
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const hashMatch = { type: 'string', enum: ['preRemediation', 'postRemediation', 'none'] };
const assessmentReason = {
  type: ['string', 'null'],
  enum: [
    'Full',
    'Partial',
    'SpecDrift',
    'Expired',
    'NoExecution',
    'MetricsTimedOut',
    'AlertDecayTimeout',
    'Unrecoverable',
    null,
  ],
};
const summaryFields = {
  remediationUID: { type: 'string', description: 'The remediation (its correlation id, the RR name)' },
  signalType: { type: 'string' },
  actionType: nullable('string', { description: 'What ran' }),
  workflowId: {
    type: 'string',
    description: 'The RemediationWorkflow that ran (an extension over Kubernaut)',
  },
  outcome: { type: 'string', enum: ['Success', 'Failed', 'Escalated'] },
  effectivenessScore: nullable('number', { minimum: 0, maximum: 1 }),
  signalResolved: nullable('boolean'),
  hashMatch,
  assessmentReason,
  completedAt: { type: 'string', format: 'date-time' },
};
const entry = {
  type: 'object',
  required: ['remediationUID', 'completedAt'],
  properties: {
    ...summaryFields,
    signalFingerprint: { type: 'string' },
    preRemediationSpecHash: { type: 'string' },
    postRemediationSpecHash: { type: 'string' },
    sideEffects: { type: 'array', items: { type: 'string' } },
    assessedAt: { type: 'string', format: 'date-time' },
  },
};
const summary = { type: 'object', required: ['remediationUID', 'completedAt'], properties: summaryFields };

export const historyQuery = {
  type: 'object',
  required: ['targetKind', 'targetName', 'targetNamespace', 'currentSpecHash'],
  properties: {
    targetKind: { type: 'string', minLength: 1, maxLength: 253, examples: ['Deployment'] },
    targetName: { type: 'string', minLength: 1, maxLength: 253 },
    targetNamespace: {
      type: 'string',
      maxLength: 253,
      description: 'Namespace of the target; empty for a cluster-scoped kind (Node)',
    },
    currentSpecHash: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'sha256 of the target spec now',
    },
    tier1Window: { type: 'string', default: '24h', description: 'Go duration: the detailed window' },
    tier2Window: { type: 'string', default: '2160h', description: 'Go duration: the regression window' },
    clusterId: { type: 'string', maxLength: 255 },
  },
  additionalProperties: false,
};

export const historyResponse = {
  type: 'object',
  required: ['targetResource', 'currentSpecHash', 'regressionDetected', 'tier1', 'tier2'],
  properties: {
    targetResource: { type: 'string', description: 'namespace/Kind/name' },
    currentSpecHash: { type: 'string' },
    regressionDetected: { type: 'boolean' },
    tier1: {
      type: 'object',
      required: ['window', 'chain'],
      properties: { window: { type: 'string' }, chain: { type: 'array', items: entry } },
    },
    tier2: {
      type: 'object',
      required: ['window', 'chain'],
      properties: { window: { type: 'string' }, chain: { type: 'array', items: summary } },
    },
  },
};
