/**
 * A synthetic audit trail shaped as the workflow and gateway write it (same types,
 * same event_data fields), for tests of partial, damaged and hostile trails.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '../../lib/audit/types.js';
import { fingerprintOf } from '../harness/fixtures.js';

export interface TrailEvent extends AuditEventInput {
  event_id: string;
}

/** A remediation that ran Processing → Analyzing → Executing → Verifying → Completed. */
export function completedTrail(name: string, namespace = 'kubernaut-system'): TrailEvent[] {
  const t0 = Date.parse('2026-03-01T10:00:00.000Z');
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const spec = {
    signalFingerprint: fingerprintOf(`${namespace}:Deployment:web`),
    signalName: 'KubePodCrashLooping',
    severity: 'critical',
    signalType: 'alert',
    signalSource: 'prometheus',
    targetType: 'kubernetes',
    targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
    clusterID: 'prod-east-1',
    firingTime: at(-60),
    receivedTime: at(0),
    signalLabels: { alertname: 'KubePodCrashLooping' },
    signalAnnotations: { summary: 'crash looping' },
    providerData: '{"namespace":"shop"}',
    originalPayload: '{"status":"firing"}',
  };
  const refs = (kinds: string[]) => Object.fromEntries(kinds.map((k) => [k, `${k.toLowerCase()}-${name}`]));
  const ev = (s: number, event_type: string, data: Record<string, unknown>): TrailEvent => ({
    event_id: randomUUID(),
    version: '1.0',
    event_type,
    event_timestamp: at(s),
    event_category: event_type.startsWith('gateway') ? 'gateway' : 'orchestration',
    event_action: event_type.split('.')[2] ?? 'x',
    event_outcome: 'success',
    correlation_id: name,
    namespace,
    event_data: { event_type, rr_name: name, rr_namespace: namespace, ...data },
  });
  const move = (s: number, from: string, to: string, kinds: string[], nrs: string[] = []) =>
    ev(s, 'orchestrator.lifecycle.transitioned', {
      from_phase: from,
      to_phase: to,
      message: `now ${to}`,
      phase_start_time: at(s),
      child_refs: refs(kinds),
      notification_refs: nrs,
    });
  const sel = {
    workflowId: 'restart-deployment',
    version: '1.0.0',
    executionBundle: 'builtin:restart',
    actionType: 'restart',
    confidence: 0.9,
  };
  const all = ['SignalProcessing', 'AIAnalysis', 'WorkflowExecution', 'EffectivenessAssessment'];
  return [
    ev(0, 'gateway.signal.received', { fingerprint: spec.signalFingerprint, received_at: at(0), spec }),
    ev(1, 'orchestrator.lifecycle.started', {}),
    ev(1, 'orchestrator.lifecycle.created', { timeout_config: { global: '1h', processing: '5m' } }),
    move(1, 'Pending', 'Processing', all.slice(0, 1)),
    ev(2, 'signalprocessing.enrichment.completed', {}),
    move(2, 'Processing', 'Analyzing', all.slice(0, 2)),
    ev(3, 'aianalysis.analysis.completed', { selected_workflow: sel, approval_required: false }),
    ev(3, 'workflowexecution.selection.completed', { ...sel, target: 'shop/Deployment/web' }),
    move(3, 'Analyzing', 'Executing', all.slice(0, 3)),
    move(4, 'Executing', 'Verifying', all),
    move(5, 'Verifying', 'Completed', all, [`nr-completion-${name}`]),
    ev(5, 'orchestrator.lifecycle.completed', {
      final_phase: 'Completed',
      outcome: 'Remediated',
      completed_at: at(5),
      message: 'now Completed',
      rr_status: { timeoutConfig: { global: '1h', processing: '5m' }, overallPhase: 'Completed' },
    }),
  ];
}

/** Fields a completed trail should yield: 11 identity/spec + 5 status core + 4 phases × 2 + 3 selection + completedAt + outcome. */
export const COMPLETED_TRAIL_FIELDS = 29;

export const without = (trail: TrailEvent[], type: string, nth = 0) => {
  const matches = trail.filter((e) => e.event_type === type);
  return trail.filter((e) => e !== matches[nth]);
};
