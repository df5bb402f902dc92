/**
 * Audit trails about one target for the remediation-history suites: two of ours
 * (a failed run; a successful one with spec hashes, an assessment and a Remediated outcome),
 * one as Kubernaut's orchestrator and effectiveness monitor write it (40 days
 * old, its pre-remediation hash equal to the current one: a regression), one
 * still running, and one about another object.
 */
import type pg from 'pg';
import type { AuditEventInput } from '../../lib/audit/types.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { uniqueName } from '../harness/index.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';

const HOUR = 3_600_000;
const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

function event(
  rr: string,
  type: string,
  msAgo: number,
  data: Record<string, unknown>,
  outcome: 'success' | 'failure' = 'success',
) {
  const [service, , action] = type.split('.');
  const category = (
    {
      workflowexecution: 'workflow',
      orchestrator: 'orchestration',
      remediation: 'orchestration',
      effectiveness: 'effectiveness',
    } as Record<string, string>
  )[service!];
  return auditEvent(rr, {
    event_type: type,
    event_timestamp: at(msAgo),
    event_category: category as AuditEventInput['event_category'],
    event_action: action ?? service!,
    event_outcome: outcome,
    event_data: { event_type: type, ...data },
  });
}

export interface HistoryTrails {
  namespace: string;
  target: string;
  failed: string;
  succeeded: string;
  kubernaut: string;
  running: string;
}

export async function writeHistoryTrails(pool: pg.Pool): Promise<HistoryTrails> {
  const namespace = uniqueName('hist');
  const target = `${namespace}/Deployment/web`;
  const [failed, succeeded, kubernaut, running, other] = ['f', 's', 'k', 'r', 'o'].map((p) =>
    newCorrelation(`rr-${p}`),
  ) as [string, string, string, string, string];
  const sel = (rr: string, msAgo: number, t = target) =>
    event(rr, 'workflowexecution.selection.completed', msAgo, {
      workflowId: 'restart-crashlooping-workload',
      actionType: 'restart',
      target: t,
    });
  const events = [
    event(failed, 'orchestrator.lifecycle.started', 3 * HOUR + 60_000, {
      signal_name: 'KubePodCrashLooping',
      target,
    }),
    sel(failed, 3 * HOUR + 30_000),
    event(failed, 'workflowexecution.workflow.failed', 3 * HOUR, { reason: 'TaskFailed' }, 'failure'),
    event(
      failed,
      'orchestrator.lifecycle.failed',
      3 * HOUR - 1000,
      { outcome: undefined, final_phase: 'Failed' },
      'failure',
    ),
    event(succeeded, 'orchestrator.lifecycle.started', HOUR + 60_000, {
      signal_name: 'KubePodCrashLooping',
      target,
    }),
    sel(succeeded, HOUR + 30_000),
    event(succeeded, 'workflowexecution.workflow.completed', HOUR, {
      change: { beforeSpecHash: 'aaa0', afterSpecHash: 'bbb1' },
    }),
    // As the built-in EffectivenessAssessment controller writes them: a component, then the completion.
    event(succeeded, 'effectiveness.health.assessed', HOUR - 500, {
      component: 'health',
      assessed: true,
      score: 1,
    }),
    event(succeeded, 'effectiveness.assessment.completed', HOUR - 400, {
      component: 'completed',
      assessed: true,
      reason: 'full',
    }),
    event(succeeded, 'orchestrator.lifecycle.completed', HOUR - 300, { outcome: 'Remediated' }),
    event(kubernaut, 'remediation.workflow_created', 40 * 24 * HOUR, {
      target_resource: target,
      pre_remediation_spec_hash: 'sha256:bbb1',
      action_type: 'RestartPod',
      signal_type: 'alert',
      signal_fingerprint: 'fp-kubernaut',
    }),
    event(kubernaut, 'effectiveness.assessment.completed', 40 * 24 * HOUR - 60_000, {
      correlation_id: kubernaut,
      namespace,
      component: 'completed',
      score: 0.4,
      reason: 'full',
    }),
    event(kubernaut, 'orchestrator.lifecycle.completed', 40 * 24 * HOUR - 120_000, {
      crd_outcome: 'Inconclusive',
    }),
    sel(running, 60_000),
    sel(other, 2 * HOUR, `${namespace}/Deployment/api`),
    event(other, 'workflowexecution.workflow.failed', 2 * HOUR - 1000, { reason: 'TaskFailed' }, 'failure'),
  ];
  await createAuditWriter(pool).write(events);
  return { namespace, target, failed, succeeded, kubernaut, running };
}

/** The query string for the history of the fixture's target. */
export const historyUrl = (t: HistoryTrails, currentSpecHash: string, extra = '') =>
  `/api/v1/remediation-history/context?targetKind=Deployment&targetName=web&targetNamespace=${t.namespace}&currentSpecHash=${encodeURIComponent(currentSpecHash)}${extra}`;
