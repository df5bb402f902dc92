/**
 * The remediation workflow: one per RemediationRequest (DESIGN §5).
 *
 *   Pending → Processing → Analyzing → [AwaitingApproval] → Executing → Verifying → Completed
 *
 * with Failed, TimedOut and Cancelled on the way. Each phase creates its child
 * resource, waits for the child's controller to finish it (watcher signal, plus a
 * slow safety re-read), and records the step in the RR status and the audit trail.
 */

import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { RemediationPhase } from '../lib/domain.js';
import { type ChildKind, childName } from '../lib/kinds.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { acts } from './activities.js';
import { awaitApproval } from './approval.js';
import {
  aiAnalysisSpec,
  effectivenessSpec,
  enrichment,
  remediationTarget,
  selectionOf,
  signalProcessingSpec,
  workflowExecutionSpec,
} from './children.js';
import { Remediation, type Settings } from './context.js';
import { installHandlers } from './handlers.js';
import { routeBeforeExecution } from './routing.js';
import { resolveTimeouts, type TimeoutConfig, type TimeoutKey } from './timeouts.js';
import type { RemediationView } from './view.js';

export interface RemediationInput {
  namespace: string;
  name: string;
  uid: string;
  spec: RemediationRequestSpec;
  /** From the RR's status.timeoutConfig at creation. */
  timeoutOverrides?: Record<string, string>;
  settings?: Partial<Settings> & { defaultTimeouts?: Partial<TimeoutConfig> };
}

const DEFAULT_SETTINGS: Settings = { safetyRecheckMs: 60_000, stabilizationWindow: '30s', dryRun: false };
/** failurePhase in Kubernaut's vocabulary: the kind of child (or step) that failed. */
const FAILURE_PHASE: Record<string, string> = {
  Processing: 'SignalProcessing',
  Analyzing: 'AIAnalysis',
  Approval: 'Approval',
  Executing: 'WorkflowExecution',
};
/** Histories recorded before routing existed replay without it (see README, replay test). */
const ROUTING_PATCH = 'routing-before-execution';
/** Histories recorded when an Inconclusive completion was announced as "Remediated". */
const HONEST_COMPLETION_PATCH = 'inconclusive-completion-notice';

export async function remediationWorkflow(input: RemediationInput): Promise<RemediationView> {
  const r = new Remediation(
    input.spec,
    { namespace: input.namespace, name: input.name, uid: input.uid },
    { ...DEFAULT_SETTINGS, ...input.settings },
  );
  installHandlers(r);
  try {
    return await lifecycle(r, input);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The RR was deleted: stop, mark unfinished children, record it — even though
    // this workflow is being cancelled.
    return await CancellationScope.nonCancellable(async () => {
      const children = Object.values(r.view.children).map((c) => ({
        kind: c!.kind as ChildKind,
        name: c!.name,
      }));
      await acts.markChildrenCancelled({ namespace: input.namespace, children });
      return r.finish('Cancelled', {
        message: 'The RemediationRequest was deleted',
        failureReason: 'ParentCancelled',
      });
    });
  }
}

async function lifecycle(r: Remediation, input: RemediationInput): Promise<RemediationView> {
  const { spec, owner } = r;
  await r.audit('orchestrator.lifecycle.started', 'success', {
    signal_name: spec.signalName,
    target: targetDisplay(spec.targetResource),
  });
  const t = resolveTimeouts(input.settings?.defaultTimeouts, input.timeoutOverrides);
  if ('error' in t) {
    return r.finish('Failed', {
      message: `Invalid timeout configuration: ${t.error}`,
      failurePhase: 'Configuration',
      failureReason: t.error,
    });
  }
  r.view.timeoutConfig = t.config;
  await r.audit('orchestrator.lifecycle.created', 'success', { timeout_config: t.config });

  const globalDeadline = Date.now() + t.ms.global;
  const deadlineFor = (key: TimeoutKey) => Math.min(Date.now() + t.ms[key], globalDeadline);
  const iso = (ms: number) => new Date(ms).toISOString();
  const fail = async (phase: string, reason: string, manualReview = false) => {
    await r.notify(manualReview ? 'manual-review' : 'escalation', {
      type: manualReview ? 'ManualReview' : 'Escalation',
      priority: 'High',
      subject: `Remediation failed in ${phase}: ${spec.signalName}`,
      body: `${owner.name} on ${targetDisplay(spec.targetResource)} failed during ${phase}: ${reason}`,
    });
    return r.finish('Failed', {
      message: `Failed during ${phase}: ${reason}`,
      failurePhase: FAILURE_PHASE[phase] ?? phase,
      failureReason: reason,
    });
  };
  const timedOut = async (phase: RemediationPhase) => {
    const global = Date.now() >= globalDeadline;
    await r.notify(global ? 'global-timeout' : 'phase-timeout', {
      type: 'Escalation',
      priority: global ? 'Critical' : 'High',
      subject: `Remediation timed out in ${phase}: ${spec.signalName}`,
      body: `${owner.name} exceeded the ${global ? `global timeout (${t.config.global})` : `${phase} timeout`}.`,
    });
    return r.finish('TimedOut', {
      message: `${global ? 'Global' : `${phase} phase`} timeout expired in ${phase}`,
      // Kubernaut names where a timeout hit in timeoutPhase; failurePhase stays for failures.
      timeoutPhase: phase,
      failureReason: global ? 'GlobalTimeout' : 'PhaseTimeout',
    });
  };
  const finished =
    (field: string, ...values: string[]) =>
    (s: Record<string, unknown>) =>
      values.includes(s[field] as string);

  // Processing: enrichment and classification of the signal.
  const spName = childName('SignalProcessing', owner.name);
  let deadline = deadlineFor('processing');
  await r.createChild('SignalProcessing', spName, signalProcessingSpec(owner, spec, iso(deadline)));
  await r.enter('Processing', `Enriching the signal (${spName})`);
  const sp = await r.waitForChild(
    'SignalProcessing',
    spName,
    finished('phase', 'Completed', 'Failed'),
    deadline,
  );
  if (sp === 'timeout' || sp === 'interrupted') return timedOut('Processing');
  if (sp.status.phase === 'Failed')
    return fail('Processing', reasonOf(sp.status, 'signal processing failed'));
  const e = enrichment(sp.status);
  await r.audit('signalprocessing.enrichment.completed', 'success', {
    signal_processing: spName,
    environment: e.environment,
    priority: e.priority,
    severity: e.severity,
  });

  // Analyzing: root cause and workflow selection.
  const aaName = childName('AIAnalysis', owner.name);
  deadline = deadlineFor('analyzing');
  await r.createChild('AIAnalysis', aaName, aiAnalysisSpec(owner, spec, sp.status, iso(deadline)));
  await r.enter('Analyzing', `Analysing the root cause (${aaName})`);
  const aa = await r.waitForChild('AIAnalysis', aaName, finished('phase', 'Completed', 'Failed'), deadline);
  if (aa === 'timeout' || aa === 'interrupted') return timedOut('Analyzing');
  const review = (aa.status.review ?? {}) as { needsHumanReview?: boolean; humanReviewReason?: string };
  if (aa.status.phase === 'Failed') {
    const reason = reasonOf(aa.status, 'analysis failed');
    await r.audit('aianalysis.analysis.failed', 'failure', {
      ai_analysis: aaName,
      reason,
      needs_human_review: !!review.needsHumanReview,
    });
    return fail('Analyzing', reason, !!review.needsHumanReview);
  }
  const sel = selectionOf(aa.status);
  const approvalRequired =
    (aa.status.approval as { approvalRequired?: boolean } | undefined)?.approvalRequired === true;
  await r.audit('aianalysis.analysis.completed', 'success', {
    ai_analysis: aaName,
    root_cause: aa.status.rootCause,
    selected_workflow: sel,
    approval_required: approvalRequired,
  });
  if (!sel) {
    if (review.needsHumanReview) {
      await r.notify('manual-review', {
        type: 'ManualReview',
        priority: 'High',
        subject: `Manual review needed: ${spec.signalName}`,
        body: `Analysis of ${owner.name} found no automatic remediation: ${reasonOf(aa.status, 'no matching workflow')}`,
      });
      return r.finish('Completed', {
        outcome: 'ManualReviewRequired',
        message: 'Analysis asks for a person to review',
      });
    }
    return r.finish('Completed', {
      outcome: 'NoActionRequired',
      message: 'Analysis found nothing to remediate',
    });
  }
  r.view.workflowSelection = sel;
  if (r.settings.dryRun)
    return r.finish('Completed', { outcome: 'DryRun', message: `Dry run: would run ${sel.workflowId}` });
  const target = remediationTarget(spec, aa.status);

  // AwaitingApproval, when the analysis' policy asks for a person.
  if (approvalRequired) {
    const decision = await awaitApproval(
      r,
      { name: aaName, status: aa.status },
      sp.status,
      sel,
      deadlineFor('awaitingApproval'),
    );
    if (Date.now() >= globalDeadline) return timedOut('AwaitingApproval');
    const a = r.view.approval;
    if (decision === 'Rejected')
      return fail(
        'Approval',
        `Rejected by ${a.decidedBy}${a.decisionMessage ? `: ${a.decisionMessage}` : ''}`,
      );
    if (decision === 'Expired')
      return fail('Approval', `Approval expired at ${a.requiredBy} with no decision`);
    const analysed = aa.status.targetSpecHash as string | undefined;
    if (analysed && (await acts.readTargetSpecHash({ target })) !== analysed) {
      return fail(
        'Approval',
        `${targetDisplay(target)} changed since the analysis that was approved; refusing to execute`,
      );
    }
  }

  // Routing: duplicates, busy targets, failure streaks, cooldowns, backoff.
  if (patched(ROUTING_PATCH)) {
    const routed = await routeBeforeExecution(r, target, sel, globalDeadline, r.settings.safetyRecheckMs);
    if (routed.kind === 'timeout') return timedOut('Blocked');
    if (routed.kind === 'inherit') {
      const phase = (
        ['Completed', 'Failed', 'TimedOut', 'Skipped', 'Cancelled'].includes(routed.phase)
          ? routed.phase
          : 'Skipped'
      ) as 'Completed';
      return r.finish(phase, {
        message: `Inherited the outcome of ${routed.from}, which remediated the same signal`,
        outcome: routed.outcome as never,
        failurePhase: routed.failurePhase,
        failureReason: routed.failureReason,
      });
    }
  }

  // Executing: run the selected action.
  const weName = childName('WorkflowExecution', owner.name);
  deadline = deadlineFor('executing');
  await r.audit('workflowexecution.selection.completed', 'success', {
    workflow_execution: weName,
    ...sel,
    target: targetDisplay(target),
  });
  await r.createChild(
    'WorkflowExecution',
    weName,
    workflowExecutionSpec(owner, target, sel, iso(deadline), false),
  );
  await r.enter('Executing', `Running ${sel.workflowId} (${sel.actionType}) on ${targetDisplay(target)}`);
  await r.audit('workflowexecution.execution.started', 'pending', {
    workflow_execution: weName,
    action_type: sel.actionType,
  });
  const we = await r.waitForChild(
    'WorkflowExecution',
    weName,
    finished('phase', 'Completed', 'Failed'),
    deadline,
  );
  if (we === 'timeout' || we === 'interrupted') return timedOut('Executing');
  await r.releaseLock(); // only execution needs the target to itself
  if (we.status.phase === 'Failed') {
    const reason = reasonOf(we.status, 'execution failed');
    await r.audit('workflowexecution.workflow.failed', 'failure', { workflow_execution: weName, reason });
    return fail('Executing', reason);
  }
  await r.audit('workflowexecution.workflow.completed', 'success', {
    workflow_execution: weName,
    change: we.status.change,
  });

  // Verifying: did it work?
  const eaName = childName('EffectivenessAssessment', owner.name);
  deadline = deadlineFor('verifying');
  await r.createChild(
    'EffectivenessAssessment',
    eaName,
    effectivenessSpec(owner, spec, target, we.status, r.settings.stabilizationWindow, iso(deadline)),
  );
  await r.enter('Verifying', `Assessing the effect on ${targetDisplay(target)} (${eaName})`);
  const ea = await r.waitForChild(
    'EffectivenessAssessment',
    eaName,
    finished('phase', 'Completed', 'Failed'),
    deadline,
  );
  if (ea === 'timeout' || ea === 'interrupted') {
    if (Date.now() >= globalDeadline) return timedOut('Verifying');
    return r.finish('Completed', {
      outcome: 'VerificationTimedOut',
      message: 'Remediation applied; verification timed out',
    });
  }
  const effective =
    ea.status.phase === 'Completed' && ['Full', 'Partial'].includes(ea.status.assessmentReason as string);
  const assessment = (ea.status.assessmentReason as string | undefined) ?? 'n/a';
  // Said "Remediated" whatever the outcome before the patch; an Inconclusive one now says so.
  const inconclusive = !effective && patched(HONEST_COMPLETION_PATCH);
  await r.notify('completion', {
    type: 'Completion',
    priority: 'Low',
    subject: inconclusive
      ? `Remediation inconclusive: ${spec.signalName} on ${targetDisplay(target)}`
      : `Remediated: ${spec.signalName} on ${targetDisplay(target)}`,
    body: inconclusive
      ? `${owner.name} ran ${sel.workflowId}, but the assessment could not confirm that it worked (assessment: ${assessment}); check ${targetDisplay(target)}.`
      : `${owner.name} ran ${sel.workflowId}; assessment: ${assessment}.`,
  });
  return r.finish('Completed', {
    outcome: effective ? 'Remediated' : 'Inconclusive',
    message: effective ? `Remediated by ${sel.workflowId}` : `Ran ${sel.workflowId}; effect inconclusive`,
  });
}

function reasonOf(status: Record<string, unknown>, fallback: string): string {
  for (const k of ['message', 'failureReason', 'reason', 'subReason']) {
    const v = status[k];
    if (typeof v === 'string' && v) return v;
  }
  const info = status.failureInfo as { error?: string } | undefined;
  return info?.error || fallback;
}
