/**
 * The RR status, projected from the workflow's view (the workflow is the single
 * writer of status, except status.deduplication which the gateway owns and which
 * this projection never contains).
 */
import { API_VERSION, crdOutcome, isTerminalPhase } from '../lib/domain.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { ChildRef, RemediationView } from '../lib/remediation-view.js';

const ref = (namespace: string, c?: ChildRef) =>
  c ? { apiVersion: API_VERSION, kind: c.kind, name: c.name, namespace } : undefined;

/** The timeouts Kubernaut's RR status.timeoutConfig declares (the others live in annotations). */
const KUBERNAUT_TIMEOUTS = ['global', 'processing', 'analyzing', 'executing'];

/**
 * `forPatch`: the status is sent as a JSON merge patch, where a field the view no
 * longer has (a cleared routing block) must be sent as null to be removed.
 * `kubernaut`: only what Kubernaut's RR CRD declares (its apiserver would prune the
 * rest): no status.approval (the decision is on the RemediationApprovalRequest), no
 * approval or verification start times or RAR ref, timeoutConfig's four keys.
 */
export function projectStatus(
  v: RemediationView,
  spec: RemediationRequestSpec,
  opts: { forPatch?: boolean; kubernaut?: boolean } = {},
): Record<string, unknown> {
  const status = projectAll(v, spec, opts);
  if (!opts.kubernaut) return status;
  delete status.approval;
  const progress = status.phaseProgress as Record<string, unknown>;
  delete progress.awaitingApprovalStartTime;
  delete progress.verifyingStartTime;
  delete progress.remediationApprovalRequestRef;
  status.timeoutConfig = Object.fromEntries(
    Object.entries(v.timeoutConfig).filter(([k]) => KUBERNAUT_TIMEOUTS.includes(k)),
  );
  return status;
}

function projectAll(
  v: RemediationView,
  spec: RemediationRequestSpec,
  opts: { forPatch?: boolean },
): Record<string, unknown> {
  const ns = v.namespace;
  const terminal = isTerminalPhase(v.phase);
  const sel = v.workflowSelection;
  const status: Record<string, unknown> = {
    overallPhase: v.phase,
    message: v.message,
    startTime: v.startTime,
    ...(v.completedAt ? { completedAt: v.completedAt } : {}),
    phaseProgress: clean({
      processingStartTime: v.phaseStartTimes.Processing,
      analyzingStartTime: v.phaseStartTimes.Analyzing,
      awaitingApprovalStartTime: v.phaseStartTimes.AwaitingApproval,
      executingStartTime: v.phaseStartTimes.Executing,
      verifyingStartTime: v.phaseStartTimes.Verifying,
      signalProcessingRef: ref(ns, v.children.SignalProcessing),
      aiAnalysisRef: ref(ns, v.children.AIAnalysis),
      remediationApprovalRequestRef: ref(ns, v.children.RemediationApprovalRequest),
      workflowExecutionRef: ref(ns, v.children.WorkflowExecution),
      effectivenessAssessmentRef: ref(ns, v.children.EffectivenessAssessment),
    }),
    timeoutConfig: v.timeoutConfig,
    approval: clean({ ...v.approval, decidedVia: undefined }),
    conditions: [
      {
        type: 'Ready',
        status: terminal ? (v.phase === 'Completed' ? 'True' : 'False') : 'False',
        reason: terminal ? v.phase : 'InProgress',
        message: v.message,
        lastTransitionTime: v.completedAt ?? v.startTime,
      },
    ],
  };
  if (v.routing) {
    const cleared = { blockReason: null, blockMessage: null, blockedUntil: null, duplicateOf: null };
    status.routingStatus = opts.forPatch ? { ...cleared, ...clean(v.routing) } : clean(v.routing);
  }
  if (sel) {
    status.workflowSelection = {
      selectedWorkflowRef: {
        workflowId: sel.workflowId,
        version: sel.version,
        executionBundle: sel.executionBundle,
      },
      workflowDisplayName: sel.workflowId,
      confidence: sel.confidence.toFixed(2),
      targetDisplay: targetDisplay(spec.targetResource),
      signalTargetDisplay: targetDisplay(spec.targetResource),
    };
  }
  const completion = clean({
    outcome: v.outcome && crdOutcome(v.outcome),
    failurePhase: v.failurePhase,
    failureReason: v.failureReason,
    timeoutPhase: v.timeoutPhase,
    timeoutTime: v.timeoutTime,
    requiresManualReview: v.outcome === 'ManualReviewRequired' ? true : undefined,
    approvalNotificationSent: v.notifications.some((n) => n.name.startsWith('nr-approval-')) || undefined,
    notificationRequestRefs: v.notifications.length ? v.notifications.map((n) => ref(ns, n)) : undefined,
  });
  if (Object.keys(completion).length) status.completionStatus = completion;
  return status;
}

function clean<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
