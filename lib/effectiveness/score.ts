/**
 * The weighted effectiveness score of a remediation, computed on demand from the
 * component events an effectiveness monitor wrote (Kubernaut's ADR-EM-001 principle
 * 5: the monitor emits raw component results, the store computes the score; DD-017
 * v2.1 weights). Later events of a component supersede earlier ones; a component
 * counts only when assessed with a score, and the weights of missing components are
 * redistributed: score = Σ wᵢ·sᵢ / Σ wᵢ. A spec drift forces the score to 0 — the
 * target changed under the assessment, so its components say nothing reliable.
 */

export const WEIGHTS = { health: 0.4, alert: 0.35, metrics: 0.25 } as const;
type Component = keyof typeof WEIGHTS;

/** Kubernaut's response enum for assessment_status. */
export const ASSESSMENT_STATUSES = [
  'no_data',
  'in_progress',
  'Full',
  'Partial',
  'SpecDrift',
  'Expired',
  'NoExecution',
  'MetricsTimedOut',
  'EffectivenessAssessed',
] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

/** assessment.completed's `reason` (the monitor writes snake case) → the response enum. */
const STATUS_OF_REASON: Record<string, AssessmentStatus> = {
  full: 'Full',
  partial: 'Partial',
  spec_drift: 'SpecDrift',
  expired: 'Expired',
  no_execution: 'NoExecution',
  metrics_timed_out: 'MetricsTimedOut',
};

export interface EffectivenessEvent {
  event_type: string;
  event_data: Record<string, unknown>;
}

export interface EffectivenessScore {
  correlation_id: string;
  score: number | null;
  components: Record<string, boolean | number | string | null>;
  hash_comparison?: {
    pre_remediation_spec_hash?: string;
    post_remediation_spec_hash?: string;
    hash_match?: boolean | null;
  };
  assessment_status: AssessmentStatus;
  computed_at: string;
}

const COMPONENT_OF: Record<string, Component> = {
  'effectiveness.health.assessed': 'health',
  'effectiveness.alert.assessed': 'alert',
  'effectiveness.metrics.assessed': 'metrics',
};

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function statusOfReason(reason: string): AssessmentStatus {
  if ((ASSESSMENT_STATUSES as readonly string[]).includes(reason)) return reason as AssessmentStatus;
  return STATUS_OF_REASON[reason.toLowerCase()] ?? 'EffectivenessAssessed';
}

/** `events` oldest first. */
export function effectivenessScore(
  correlationId: string,
  events: EffectivenessEvent[],
  now: Date = new Date(),
): EffectivenessScore {
  const components: EffectivenessScore['components'] = {};
  for (const c of Object.keys(WEIGHTS)) {
    components[`${c}_assessed`] = false;
    components[`${c}_score`] = null;
  }
  let completed: AssessmentStatus | undefined;
  let hash: EffectivenessScore['hash_comparison'];
  for (const { event_type, event_data: d } of events) {
    const component = COMPONENT_OF[event_type];
    if (component) {
      components[`${component}_assessed`] = d.assessed === true;
      components[`${component}_score`] = num(d.score) ?? null;
      const details = str(d.details);
      if (details !== undefined) components[`${component}_details`] = details;
    } else if (event_type === 'effectiveness.hash.computed') {
      const pre = str(d.pre_remediation_spec_hash);
      const post = str(d.post_remediation_spec_hash);
      if (pre || post) {
        hash = {
          ...(pre ? { pre_remediation_spec_hash: pre } : {}),
          ...(post ? { post_remediation_spec_hash: post } : {}),
          hash_match: typeof d.hash_match === 'boolean' ? d.hash_match : pre && post ? pre === post : null,
        };
      }
    } else if (event_type === 'effectiveness.assessment.completed') {
      const reason = str(d.reason);
      // A spec drift is final: a later completion does not undo it.
      if (reason && completed !== 'SpecDrift') completed = statusOfReason(reason);
    }
  }
  let weight = 0;
  let sum = 0;
  for (const [c, w] of Object.entries(WEIGHTS)) {
    const s = components[`${c}_score`];
    if (components[`${c}_assessed`] === true && typeof s === 'number') {
      weight += w;
      sum += s * w;
    }
  }
  const anyAssessed = Object.keys(WEIGHTS).some((c) => components[`${c}_assessed`] === true);
  const status = completed ?? (anyAssessed ? 'in_progress' : 'no_data');
  return {
    correlation_id: correlationId,
    score: status === 'SpecDrift' ? 0 : weight ? sum / weight : null,
    components,
    ...(hash ? { hash_comparison: hash } : {}),
    assessment_status: status,
    computed_at: now.toISOString(),
  };
}
