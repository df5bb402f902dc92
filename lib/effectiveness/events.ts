/**
 * The effectiveness events an assessment leaves in its remediation's trail, shaped as
 * Kubernaut's EffectivenessAssessmentAuditPayload (one event per component, then the
 * completion), so GET /api/v1/effectiveness/{id} scores ours and Kubernaut's alike.
 * Deterministic ids (assessment uid + component): a re-run writes nothing new.
 */
import { deterministicEventId } from '../audit/ids.js';
import type { AuditEventInput } from '../audit/types.js';

export interface AssessmentResult {
  correlationId: string;
  namespace: string;
  eaName: string;
  eaUid: string;
  at: string;
  health: { assessed: boolean; score?: number; details: string };
  hash?: { pre?: string; post?: string };
  /** The assessment's reason (Full, Partial, SpecDrift, …). */
  reason: string;
  message: string;
}

/** Our reasons in the monitor's snake case (Kubernaut's completion `reason`). */
const REASON: Record<string, string> = { Full: 'full', Partial: 'partial', SpecDrift: 'spec_drift' };

export function assessmentEvents(r: AssessmentResult): AuditEventInput[] {
  const event = (type: string, component: string, data: Record<string, unknown>): AuditEventInput => ({
    event_id: deterministicEventId('effectiveness', r.eaUid, component),
    version: '1.0',
    event_type: type,
    event_timestamp: r.at,
    event_category: 'effectiveness',
    event_action: type.split('.').pop()!,
    event_outcome: 'success',
    actor_type: 'service',
    actor_id: 'effectiveness-controller',
    resource_type: 'EffectivenessAssessment',
    resource_id: r.eaName,
    correlation_id: r.correlationId,
    namespace: r.namespace,
    event_data: {
      event_type: type,
      correlation_id: r.correlationId,
      namespace: r.namespace,
      ea_name: r.eaName,
      component,
      ...data,
    },
  });
  const events = [
    event('effectiveness.health.assessed', 'health', {
      assessed: r.health.assessed,
      score: r.health.assessed ? (r.health.score ?? null) : null,
      details: r.health.details,
    }),
  ];
  if (r.hash?.pre || r.hash?.post) {
    events.push(
      event('effectiveness.hash.computed', 'hash', {
        assessed: true,
        ...(r.hash.pre ? { pre_remediation_spec_hash: r.hash.pre } : {}),
        ...(r.hash.post ? { post_remediation_spec_hash: r.hash.post } : {}),
        ...(r.hash.pre && r.hash.post ? { hash_match: r.hash.pre === r.hash.post } : {}),
      }),
    );
  }
  events.push(
    event('effectiveness.assessment.completed', 'completed', {
      assessed: true,
      reason: REASON[r.reason] ?? r.reason,
      details: r.message,
      components_assessed: ['health', ...(events.length > 1 ? ['hash'] : [])],
      completed_at: r.at,
    }),
  );
  return events;
}
