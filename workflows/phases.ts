/**
 * The phases of a remediation (DESIGN §5), one function each, in the order the
 * workflow runs them. Each creates its child, waits for its controller against the
 * phase's deadline (Lifecycle.within), records the step, and either hands its
 * result to the next phase or ends the remediation (Ended).
 */
import { patched } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import { childName } from '../lib/kinds.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { acts } from './activities.js';
import { awaitApproval } from './approval.js';
import {
  aiAnalysisSpec,
  effectivenessSpec,
  enrichment,
  liftRcaResult,
  remediationTarget,
  type Selection,
  selectionOf,
  signalProcessingSpec,
  workflowExecutionSpec,
} from './children.js';
import { cancelExecution, EXECUTION_STOP_PATCH } from './execution-stop.js';
import { requireApprovalIfIrreversible } from './irreversible.js';
import { type Ended, ended, type Lifecycle } from './lifecycle.js';

export interface Analysis {
  aa: { name: string; status: Record<string, unknown> };
  sel: Selection;
  approvalRequired: boolean;
  target: TargetResource;
}

/**
 * Kubernaut's AIAnalysis status carries the analysis under status.rcaResult; before
 * this patch the workflow read it at the top of the status only, and took the
 * target's spec hash from status.targetSpecHash, which Kubernaut's CRD prunes (so
 * the workflow now records the hash itself when the analysis gives none).
 */
export const AA_RCA_RESULT_PATCH = 'aianalysis-rca-result';

const iso = (ms: number) => new Date(ms).toISOString();
const finished = (s: Record<string, unknown>) => ['Completed', 'Failed'].includes(s.phase as string);

export function reasonOf(status: Record<string, unknown>, fallback: string): string {
  for (const k of ['message', 'failureReason', 'reason', 'subReason']) {
    const v = status[k];
    if (typeof v === 'string' && v) return v;
  }
  const info = status.failureInfo as { error?: string } | undefined;
  return info?.error || fallback;
}

/** Processing: enrichment and classification of the signal. */
export async function processing(l: Lifecycle): Promise<ChildSnapshot | Ended> {
  const { r } = l;
  l.step = 'Processing';
  const name = childName('SignalProcessing', r.owner.name);
  const deadline = l.deadlineFor('processing');
  const raced = await l.within(deadline, async () => {
    await r.createChild('SignalProcessing', name, signalProcessingSpec(r.owner, r.spec, iso(deadline)));
    await r.enter('Processing', `Enriching the signal (${name})`);
    return r.waitForChild('SignalProcessing', name, finished, deadline);
  });
  const sp = await l.lastLook(raced, 'SignalProcessing', name, finished);
  if (sp === 'deadline' || sp === 'timeout' || sp === 'interrupted') return l.timedOut('Processing');
  if (sp.status.phase === 'Failed')
    return l.fail('Processing', reasonOf(sp.status, 'signal processing failed'));
  const e = enrichment(sp.status);
  await r.audit('signalprocessing.enrichment.completed', 'success', {
    signal_processing: name,
    environment: e.environment,
    priority: e.priority,
    severity: e.severity,
  });
  return sp;
}

/** Analyzing: root cause and workflow selection; ends here when there is nothing to run. */
export async function analyzing(l: Lifecycle, sp: ChildSnapshot): Promise<Analysis | Ended> {
  const { r } = l;
  l.step = 'Analyzing';
  const name = childName('AIAnalysis', r.owner.name);
  const deadline = l.deadlineFor('analyzing');
  const raced = await l.within(deadline, async () => {
    await r.createChild('AIAnalysis', name, aiAnalysisSpec(r.owner, r.spec, sp.status, iso(deadline)));
    await r.enter('Analyzing', `Analysing the root cause (${name})`);
    return r.waitForChild('AIAnalysis', name, finished, deadline);
  });
  const aa = await l.lastLook(raced, 'AIAnalysis', name, finished);
  if (aa === 'deadline' || aa === 'timeout' || aa === 'interrupted') return l.timedOut('Analyzing');
  if (patched(AA_RCA_RESULT_PATCH)) aa.status = liftRcaResult(aa.status);
  const review = (aa.status.review ?? {}) as { needsHumanReview?: boolean; humanReviewReason?: string };
  if (aa.status.phase === 'Failed') {
    const reason = reasonOf(aa.status, 'analysis failed');
    await r.audit('aianalysis.analysis.failed', 'failure', {
      ai_analysis: name,
      reason,
      needs_human_review: !!review.needsHumanReview,
    });
    return l.fail('Analyzing', reason, !!review.needsHumanReview);
  }
  const sel = selectionOf(aa.status);
  aa.status = requireApprovalIfIrreversible(aa.status, sel?.actionType);
  const approvalRequired =
    (aa.status.approval as { approvalRequired?: boolean } | undefined)?.approvalRequired === true;
  await r.audit('aianalysis.analysis.completed', 'success', {
    ai_analysis: name,
    root_cause: aa.status.rootCause,
    selected_workflow: sel,
    approval_required: approvalRequired,
  });
  if (!sel) {
    if (review.needsHumanReview) {
      await r.notify(
        'manual-review',
        {
          type: 'ManualReview',
          priority: 'High',
          subject: `Manual review needed: ${r.spec.signalName}`,
          body: `Analysis of ${r.owner.name} found no automatic remediation: ${reasonOf(aa.status, 'no matching workflow')}`,
        },
        { ending: true },
      );
      return ended(
        await r.finish('Completed', {
          outcome: 'ManualReviewRequired',
          message: 'Analysis asks for a person to review',
        }),
      );
    }
    return ended(
      await r.finish('Completed', {
        outcome: 'NoActionRequired',
        message: 'Analysis found nothing to remediate',
      }),
    );
  }
  r.view.workflowSelection = sel;
  if (r.settings.dryRun)
    return ended(
      await r.finish('Completed', { outcome: 'DryRun', message: `Dry run: would run ${sel.workflowId}` }),
    );
  const target = remediationTarget(r.spec, aa.status);
  // What the analysed target looked like, for approval to refuse a target that changed since.
  if (approvalRequired && aa.status.targetSpecHash === undefined && patched(AA_RCA_RESULT_PATCH)) {
    const hash = await acts.readTargetSpecHash({ target });
    if (hash) aa.status = { ...aa.status, targetSpecHash: hash };
  }
  return { aa: { name, status: aa.status }, sel, approvalRequired, target };
}

/**
 * AwaitingApproval, when the analysis' policy asks for a person. Expiry is the
 * approval's own outcome (Expired), so only the global deadline races it.
 */
export async function approval(l: Lifecycle, sp: ChildSnapshot, a: Analysis): Promise<Ended | undefined> {
  const { r } = l;
  l.step = 'AwaitingApproval';
  const decision = await l.within(l.globalDeadline, () =>
    awaitApproval(r, a.aa, sp.status, a.sel, l.deadlineFor('awaitingApproval'), {
      target: a.target,
      globalDeadline: l.globalDeadline,
    }),
  );
  if (decision === 'deadline' || Date.now() >= l.globalDeadline) return l.timedOut('AwaitingApproval');
  const d = r.view.approval;
  if (decision === 'Rejected')
    return l.fail(
      'Approval',
      `Rejected by ${d.decidedBy}${d.decisionMessage ? `: ${d.decisionMessage}` : ''}`,
    );
  if (decision === 'Expired')
    return l.fail(
      'Approval',
      d.ladder
        ? `Approval expired at ${d.requiredBy} after ${d.ladder.tiers} tier(s) with ${d.ladder.approvals.length} of ${d.ladder.approvalsRequired} approval(s)`
        : `Approval expired at ${d.requiredBy} with no decision`,
    );
  const analysed = a.aa.status.targetSpecHash as string | undefined;
  if (analysed && (await acts.readTargetSpecHash({ target: a.target })) !== analysed) {
    return l.fail(
      'Approval',
      `${targetDisplay(a.target)} changed since the analysis that was approved; refusing to execute`,
    );
  }
  return undefined;
}

/** Executing: run the selected action, holding the target lock taken in routing. */
export async function executing(l: Lifecycle, a: Analysis): Promise<ChildSnapshot | Ended> {
  const { r } = l;
  const { sel, target } = a;
  l.step = 'Executing';
  const name = childName('WorkflowExecution', r.owner.name);
  const deadline = l.deadlineFor('executing');
  // From here the lock stays until nothing the execution started runs (I2).
  if (patched(EXECUTION_STOP_PATCH)) r.execution = { name, targetNamespace: target.namespace };
  let we = await l.within(deadline, async () => {
    // Kubernaut's place for the pre-remediation hash is the orchestrator's, not the execution's status.
    if (r.kubernautShapes)
      r.preRemediationSpecHash = (await acts.readTargetSpecHash({ target })) ?? undefined;
    await r.audit('workflowexecution.selection.completed', 'success', {
      workflow_execution: name,
      ...sel,
      target: targetDisplay(target),
    });
    await r.createChild(
      'WorkflowExecution',
      name,
      workflowExecutionSpec(r.owner, target, sel, iso(deadline), false),
    );
    await r.enter('Executing', `Running ${sel.workflowId} (${sel.actionType}) on ${targetDisplay(target)}`);
    await r.audit('workflowexecution.execution.started', 'pending', {
      workflow_execution: name,
      action_type: sel.actionType,
    });
    return r.waitForChild('WorkflowExecution', name, finished, deadline);
  });
  if (we === 'deadline' || we === 'timeout' || we === 'interrupted') {
    // Stop it before the lock can go; if it finished just as time ran out, its outcome stands.
    const own = await cancelExecution(
      r,
      'ExecutionCancelled',
      `ExecutionCancelled: ${r.owner.name} stopped waiting for it (Executing timed out)`,
    );
    if (!own) return l.timedOut('Executing');
    we = own;
  }
  await r.releaseLock(); // only execution needs the target to itself, until it has stopped
  if (we.status.phase === 'Failed') {
    const reason = reasonOf(we.status, 'execution failed');
    await r.audit('workflowexecution.workflow.failed', 'failure', { workflow_execution: name, reason });
    return l.fail('Executing', reason);
  }
  await r.audit('workflowexecution.workflow.completed', 'success', {
    workflow_execution: name,
    change: we.status.change,
  });
  return we;
}

/** Verifying: did it work? A verification that runs out of time still completes the RR. */
export async function verifying(
  l: Lifecycle,
  a: Analysis,
  we: ChildSnapshot,
): Promise<{ ea: ChildSnapshot } | Ended> {
  const { r } = l;
  l.step = 'Verifying';
  const name = childName('EffectivenessAssessment', r.owner.name);
  const deadline = l.deadlineFor('verifying');
  const raced = await l.within(deadline, async () => {
    await r.createChild(
      'EffectivenessAssessment',
      name,
      effectivenessSpec(
        r.owner,
        r.spec,
        a.target,
        we.status,
        r.settings.stabilizationWindow,
        r.kubernautShapes ? undefined : iso(deadline),
        r.preRemediationSpecHash,
      ),
    );
    await r.enter('Verifying', `Assessing the effect on ${targetDisplay(a.target)} (${name})`);
    return r.waitForChild('EffectivenessAssessment', name, finished, deadline);
  });
  const ea = await l.lastLook(raced, 'EffectivenessAssessment', name, finished);
  if (ea === 'deadline' || ea === 'timeout' || ea === 'interrupted') {
    if (Date.now() >= l.globalDeadline) return l.timedOut('Verifying');
    return ended(
      await r.finish('Completed', {
        outcome: 'VerificationTimedOut',
        message: 'Remediation applied; verification timed out',
      }),
    );
  }
  return { ea };
}
