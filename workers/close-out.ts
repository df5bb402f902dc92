/**
 * Closing out a RemediationRequest whose workflow run ended without giving it a
 * terminal status (invariant I1, docs/invariants.md): a run terminated from the
 * Temporal Web UI or CLI, failed on a non-retryable error, timed out, or cancelled
 * while its RR still exists. Such a run can no longer speak for its RR, so this does
 * what its finish() would have done: unfinished children are marked Failed, the
 * target lock is released (once the execution, if any, has stopped: I2), people are
 * told (an Escalation notification), the audit trail records the end, and — last —
 * the RR gets a terminal status (Failed, reason WorkflowTerminated /
 * WorkflowFailed / …). Every step is idempotent and the status
 * goes last, so an RR that shows a terminal phase has had every step, and a crash in
 * between repeats them harmlessly on the next reconcile pass.
 */
import { ApplicationFailure } from '@temporalio/common';
import { categorize, categoryOf } from '../activities/error-categories.js';
import type { ExecutionStopActivities } from '../activities/execution-stop.js';
import type { HeldLockActivities } from '../activities/held-locks.js';
import type { KubeObject, KubeObjects } from '../activities/kube-objects.js';
import type { RemediationActivities } from '../activities/remediation.js';
import { isTerminalPhase } from '../lib/domain.js';
import { CHILD_KINDS, type ChildKind, notificationName } from '../lib/kinds.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { notificationSpec } from '../workflows/children.js';
import { refusalOf } from '../workflows/refusal.js';

/** A refusal for good (Category C), raw from the apiserver or already categorized; else undefined. */
function refusedForGood(err: unknown): string | undefined {
  if (err instanceof ApplicationFailure) return refusalOf(err);
  return categoryOf(err) === 'C' ? (categorize(err, 'ensureChild') as Error).message : undefined;
}

/** How the run closed, in Temporal's words (WorkflowExecutionStatusName). */
export type ClosedRunStatus = 'TERMINATED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED' | 'COMPLETED';

export interface ClosedRun {
  workflowId: string;
  runId: string;
  status: ClosedRunStatus;
  closeTime: Date;
}

export const CLOSE_OUT_REASON: Record<ClosedRunStatus, string> = {
  TERMINATED: 'WorkflowTerminated',
  FAILED: 'WorkflowFailed',
  TIMED_OUT: 'WorkflowTimedOut',
  CANCELLED: 'WorkflowCancelled',
  COMPLETED: 'WorkflowEndedWithoutStatus',
};

/** failurePhase in Kubernaut's vocabulary, where it has a word for the phase. */
const FAILURE_PHASE: Record<string, string> = {
  Processing: 'SignalProcessing',
  Analyzing: 'AIAnalysis',
  AwaitingApproval: 'Approval',
  Executing: 'WorkflowExecution',
  Blocked: 'Blocked',
};

const REF_FIELDS: [string, Exclude<ChildKind, 'NotificationRequest'>][] = [
  ['signalProcessingRef', 'SignalProcessing'],
  ['aiAnalysisRef', 'AIAnalysis'],
  ['workflowExecutionRef', 'WorkflowExecution'],
  ['effectivenessAssessmentRef', 'EffectivenessAssessment'],
];

export interface CloseOutDeps {
  acts: Pick<RemediationActivities, 'ensureChild' | 'recordAuditEvent' | 'writeRemediationStatus'> &
    HeldLockActivities &
    ExecutionStopActivities;
  objects: KubeObjects;
  /** How long after the run closed the close-out waits for its execution to stop. */
  stopGraceMs?: number;
}

/** As the workflow's own wait (workflows/execution-stop.ts): a minute. */
export const CLOSE_OUT_STOP_GRACE_MS = 60_000;

export async function closeOut(
  deps: CloseOutDeps,
  rr: KubeObject,
  run: ClosedRun,
): Promise<'closed' | 'gone' | 'stopping'> {
  const { acts, objects } = deps;
  const namespace = rr.metadata.namespace ?? 'default';
  const name = rr.metadata.name;
  const uid = rr.metadata.uid!;
  // The listed copy may be older than the run's end: a run that finished after all
  // (its status written as it closed) is not closed out — no escalation, no failure row.
  const fresh = await objects.get('remediationrequests', namespace, name);
  if (!fresh || fresh.metadata.uid !== uid) return 'gone';
  if (isTerminalPhase(fresh.status?.overallPhase as string | undefined)) return 'closed';
  rr = fresh;
  const spec = rr.spec as unknown as RemediationRequestSpec;
  const status = (rr.status ?? {}) as Record<string, unknown>;
  const fromPhase = (status.overallPhase as string | undefined) ?? 'Pending';
  const reason = CLOSE_OUT_REASON[run.status];
  // Time of the run's end, not of this pass: a repeated close-out writes the same rows.
  const at = run.closeTime.toISOString();
  const message = `The workflow run ${run.runId} ended (${run.status.toLowerCase()}) in ${fromPhase} without finishing the remediation; closed out by the reconciler`;

  // 1. Unfinished children: nothing will wait for them any more. The execution is
  // cancelled the way its controller honours (I2): it stops whatever it started.
  const progress = (status.phaseProgress ?? {}) as Record<string, { name?: string } | undefined>;
  const weName = progress.workflowExecutionRef?.name;
  const execution = weName && { namespace, name: weName, targetNamespace: spec.targetResource?.namespace };
  if (execution)
    await acts.cancelExecution({
      ...execution,
      reason: 'ParentCancelled',
      message: `ParentCancelled: ${message}`,
    });
  for (const [field, kind] of REF_FIELDS) {
    const childName = progress[field]?.name;
    if (!childName || kind === 'WorkflowExecution') continue;
    const { plural } = CHILD_KINDS[kind];
    const child = await objects.get(plural, namespace, childName);
    if (!child || ['Completed', 'Failed'].includes(String(child.status?.phase ?? ''))) continue;
    await objects
      .mergeStatus(plural, namespace, childName, {
        phase: 'Failed',
        reason: 'ParentCancelled',
        failureReason: 'ParentCancelled',
        message: `ParentCancelled: ${message}`,
      })
      .catch(() => {}); // gone meanwhile, or already finished: nothing to stop
  }

  // 2. The target lock, whichever target the run had locked — only once nothing the
  // execution started still runs (I2). Until then the close-out stops here and is
  // repeated on later passes; past the grace it goes on and the lock stays, for the
  // next taker to find stale once the bundle Job is gone (activities/target-lock.ts).
  if (!execution || (await acts.executionStopped(execution))) {
    await acts.releaseLocksHeldBy({ namespace, name });
  } else if (Date.now() < run.closeTime.getTime() + (deps.stopGraceMs ?? CLOSE_OUT_STOP_GRACE_MS)) {
    return 'stopping';
  }

  // 3. Tell people: a remediation ended without an outcome. Refused for good (a
  // Category C: NotificationRequests forbidden), it must not stop the RR from ending
  // on every pass (I1): the refusal goes into the audit event instead.
  const owner = { namespace, name, uid };
  const notice = notificationName('workflow-ended', name);
  const notificationsRefused: string[] = [];
  try {
    await acts.ensureChild({
      kind: 'NotificationRequest',
      namespace,
      name: notice,
      owner: { name, uid },
      spec: notificationSpec(owner, spec, 'Failed', {
        type: 'Escalation',
        priority: 'High',
        subject: `Remediation ended without an outcome (${reason}): ${spec.signalName}`,
        body: `${name} on ${targetDisplay(spec.targetResource)}: ${message}.`,
      }),
    });
  } catch (err) {
    const refusal = refusedForGood(err);
    if (!refusal) throw err;
    notificationsRefused.push(`${notice}: ${refusal}`);
  }

  // 4. The audit trail, with ids derived from the closed run (written once).
  const failurePhase = FAILURE_PHASE[fromPhase];
  const base = {
    version: '1.0',
    event_timestamp: at,
    event_category: 'orchestration',
    actor_type: 'service',
    actor_id: 'remediation-reconciler',
    resource_type: 'RemediationRequest',
    resource_id: name,
    correlation_id: name,
    namespace,
    ...(spec.clusterID ? { cluster_id: spec.clusterID } : {}),
    severity: spec.severity,
  } as const;
  const ids = { workflowId: `close-out/${run.workflowId}`, runId: run.runId };
  await acts.recordAuditEvent({
    ...ids,
    seq: 1,
    event: {
      ...base,
      event_type: 'orchestrator.lifecycle.transitioned',
      event_action: 'transitioned',
      event_outcome: 'success',
      event_data: {
        event_type: 'orchestrator.lifecycle.transitioned',
        rr_name: name,
        rr_namespace: namespace,
        from_phase: fromPhase,
        to_phase: 'Failed',
        message,
        phase_start_time: at,
      },
    },
  });
  await acts.recordAuditEvent({
    ...ids,
    seq: 2,
    event: {
      ...base,
      event_type: 'orchestrator.lifecycle.failed',
      event_action: 'failed',
      event_outcome: 'failure',
      error_code: reason,
      error_message: message,
      event_data: {
        event_type: 'orchestrator.lifecycle.failed',
        rr_name: name,
        rr_namespace: namespace,
        from_phase: fromPhase,
        final_phase: 'Failed',
        failure_phase: failurePhase,
        failure_reason: reason,
        completed_at: at,
        message,
        workflow_run_id: run.runId,
        workflow_run_status: run.status,
        ...(notificationsRefused.length > 0 ? { notifications_refused: notificationsRefused } : {}),
      },
    },
  });

  // 5. Last: the terminal status (refused for an RR already terminal or replaced).
  const written = await acts.writeRemediationStatus({
    namespace,
    name,
    uid,
    status: {
      overallPhase: 'Failed',
      message,
      completedAt: at,
      completionStatus: { ...(failurePhase ? { failurePhase } : {}), failureReason: reason },
      conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message, lastTransitionTime: at }],
    },
  });
  return written === 'gone' ? 'gone' : 'closed';
}
