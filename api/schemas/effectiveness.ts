/** Schemas of GET /api/v1/effectiveness/{correlation_id}, shaped as Kubernaut's EffectivenessScoreResponse. */
import { ASSESSMENT_STATUSES } from '../../lib/effectiveness/score.js';
import { reconstructParams } from './reconstruct.js';

export const effectivenessParams = reconstructParams;

const component = (name: string, what: string) => ({
  [`${name}_assessed`]: { type: 'boolean', description: `Whether the ${name} component has been assessed` },
  [`${name}_score`]: { type: ['number', 'null'], description: `${what} (0.0 to 1.0)` },
  [`${name}_details`]: { type: 'string', description: `Human-readable ${name} assessment details` },
});

export const effectivenessResponse = {
  type: 'object',
  required: ['correlation_id', 'components', 'assessment_status', 'computed_at'],
  properties: {
    correlation_id: { type: 'string' },
    score: {
      type: ['number', 'null'],
      description:
        'Weighted score (0.0 to 1.0): (health·0.40 + alert·0.35 + metrics·0.25) / the weights of the assessed components; null when none has a score; 0 on spec drift',
    },
    components: {
      type: 'object',
      properties: {
        ...component('health', 'Health pass rate'),
        ...component('alert', 'Alert resolution score'),
        ...component('metrics', 'Metric improvement ratio'),
      },
    },
    hash_comparison: {
      type: 'object',
      description: 'Pre/post remediation spec hashes (supplementary; not part of the score)',
      properties: {
        pre_remediation_spec_hash: { type: 'string' },
        post_remediation_spec_hash: { type: 'string' },
        hash_match: { type: ['boolean', 'null'] },
      },
    },
    assessment_status: { type: 'string', enum: [...ASSESSMENT_STATUSES] },
    computed_at: { type: 'string', format: 'date-time' },
  },
} as const;
