/**
 * Every terminal path of a RemediationRequest, driven through the real workflow
 * with the children played as Kubernaut's controllers would report (Kubernaut's
 * shapes: the played statuses are swept too), then every object left in the
 * namespace validated, spec and status, against Kubernaut's CRDs.
 */
import { describe, expect, it } from 'vitest';
import { rejectUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { invalidities, kubernautCrds } from './kubernaut-crds.js';
import { expectAllKubernautValid, statesOf } from './terminal-sweep.js';

describe('RR terminal paths under Kubernaut’s CRDs (children played)', () => {
  const h = useRemediationHarness({ stabilizationWindow: '1s' }, { reconcileIntervalMs: 1_000 });
  const crds = kubernautCrds();
  const outcomes: Record<string, string> = {};

  async function toAnalysis(rr: string) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
  }
  async function through(rr: string, approvalRequired: boolean) {
    await toAnalysis(rr);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(approvalRequired));
  }
  const reject = (rr: string) =>
    h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .executeUpdate(rejectUpdate, { args: [{ decidedBy: 'erin', reason: 'not now' }] });
  async function ends(path: string, rr: string, phase: string, expected: Record<string, unknown>) {
    const done = await h.waitForPhase(rr, [phase], 40_000);
    expect(done.status?.completionStatus, path).toMatchObject(expected);
    outcomes[path] = `${phase} ${JSON.stringify(expected)}`;
    return done;
  }

  it('the validator really checks: an unknown enum value and an undeclared field fail', () => {
    const rr = { apiVersion: 'kubernaut.ai/v1alpha1', kind: 'RemediationRequest', metadata: { name: 'x' } };
    expect(invalidities(crds, { ...rr, status: { overallPhase: 'Sleeping' } }).join()).toMatch(
      /allowed values/,
    );
    expect(invalidities(crds, { ...rr, status: { invented: 1 } }).join()).toMatch(/invented: pruned/);
    expect(invalidities(crds, rr)).toEqual([]);
  });

  it('Completed: Remediated, Inconclusive, VerificationTimedOut', async () => {
    const ok = await h.createRR();
    await through(ok, false);
    await h.playExecutionAndVerification(ok);
    await ends('Remediated', ok, 'Completed', { outcome: 'Remediated' });

    const unsure = await h.createRR();
    await through(unsure, false);
    await h.waitForChild('WorkflowExecution', `we-${unsure}`);
    await h.setStatus('WorkflowExecution', `we-${unsure}`, { phase: 'Completed' });
    await h.waitForChild('EffectivenessAssessment', `ea-${unsure}`);
    await h.setStatus('EffectivenessAssessment', `ea-${unsure}`, {
      phase: 'Completed',
      assessmentReason: 'SpecDrift',
    });
    await ends('Inconclusive', unsure, 'Completed', { outcome: 'Inconclusive' });

    const slow = await h.createRR({ annotations: { 'kubernaut.ai/timeout-verifying': '2s' } });
    await through(slow, false);
    await h.waitForChild('WorkflowExecution', `we-${slow}`);
    await h.setStatus('WorkflowExecution', `we-${slow}`, { phase: 'Completed' });
    await h.waitForChild('EffectivenessAssessment', `ea-${slow}`);
    await ends('VerificationTimedOut', slow, 'Completed', { outcome: 'VerificationTimedOut' });
  });

  it('Failed in SignalProcessing, AIAnalysis, WorkflowExecution', async () => {
    const sp = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${sp}`);
    await h.setStatus('SignalProcessing', `sp-${sp}`, {
      phase: 'Failed',
      failureInfo: { error: 'target Deployment not found' },
    });
    await ends('SignalProcessing failed', sp, 'Failed', { failurePhase: 'SignalProcessing' });

    const ai = await h.createRR();
    await toAnalysis(ai);
    await h.setStatus('AIAnalysis', `ai-${ai}`, {
      phase: 'Failed',
      reason: 'WorkflowResolutionFailed',
      subReason: 'LowConfidence',
      message: 'confidence 0.55 is below 0.7',
      review: { needsHumanReview: true, humanReviewReason: 'low_confidence' },
    });
    await ends('AIAnalysis failed (low confidence)', ai, 'Failed', { failurePhase: 'AIAnalysis' });

    const we = await h.createRR();
    await through(we, false);
    await h.waitForChild('WorkflowExecution', `we-${we}`);
    await h.setStatus('WorkflowExecution', `we-${we}`, {
      phase: 'Failed',
      failureReason: 'rollout did not progress',
    });
    await ends('WorkflowExecution failed', we, 'Failed', { failurePhase: 'WorkflowExecution' });
  });

  it('analysis without a workflow: ManualReviewRequired (NoMatchingWorkflows), NoActionRequired', async () => {
    const review = await h.createRR();
    await toAnalysis(review);
    await h.setStatus('AIAnalysis', `ai-${review}`, {
      phase: 'Completed',
      reason: 'WorkflowResolutionFailed',
      subReason: 'NoMatchingWorkflows',
      message: 'no catalog workflow matches the signal',
      review: { needsHumanReview: true, humanReviewReason: 'no_matching_workflows' },
    });
    const done = await ends('ManualReviewRequired', review, 'Completed', { outcome: 'ManualReviewRequired' });
    expect((done.status?.completionStatus as Record<string, unknown> | undefined)?.requiresManualReview).toBe(
      true,
    );
    await eventually('the manual-review notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-manual-review-${review}`),
    );

    const nothing = await h.createRR();
    await toAnalysis(nothing);
    await h.setStatus('AIAnalysis', `ai-${nothing}`, {
      phase: 'Completed',
      reason: 'WorkflowNotNeeded',
      subReason: 'ProblemResolved',
      message: 'No action required',
      review: { needsHumanReview: false },
    });
    await ends('NoActionRequired', nothing, 'Completed', { outcome: 'NoActionRequired' });
  });

  it('approval: Approved (to Completed), Rejected, Expired', async () => {
    const approved = await h.awaitingApproval();
    await h.setStatus('RemediationApprovalRequest', `rar-${approved}`, {
      decision: 'Approved',
      decidedBy: 'dave',
      decisionMessage: 'ok',
    });
    await h.playExecutionAndVerification(approved);
    await ends('Approved then Remediated', approved, 'Completed', { outcome: 'Remediated' });

    const rejected = await h.awaitingApproval();
    await reject(rejected);
    await ends('Rejected', rejected, 'Failed', { failurePhase: 'Approval' });

    const expired = await h.createRR({ annotations: { 'kubernaut.ai/timeout-awaitingApproval': '2s' } });
    await through(expired, true);
    await ends('Expired', expired, 'Failed', { failurePhase: 'Approval' });
  });

  it('TimedOut: a phase deadline and the global one; Failed: a configuration refused', async () => {
    const phase = await h.createRR({ annotations: { 'kubernaut.ai/timeout-processing': '2s' } });
    await ends('phase timeout', phase, 'TimedOut', {
      timeoutPhase: 'Processing',
      failureReason: 'PhaseTimeout',
    });

    const global = await h.createRR({
      annotations: {
        'kubernaut.ai/timeout-global': '3s',
        'kubernaut.ai/timeout-processing': '2s',
        'kubernaut.ai/timeout-analyzing': '3s',
        'kubernaut.ai/timeout-awaitingApproval': '3s',
        'kubernaut.ai/timeout-executing': '3s',
        'kubernaut.ai/timeout-verifying': '3s',
      },
    });
    await h.waitForChild('SignalProcessing', `sp-${global}`);
    await h.setStatus('SignalProcessing', `sp-${global}`, completedEnrichment);
    await ends('global timeout', global, 'TimedOut', { failureReason: 'GlobalTimeout' });

    const config = await h.createRR({ annotations: { 'kubernaut.ai/timeout-executing': '2h' } });
    await ends('configuration', config, 'Failed', { failurePhase: 'Configuration' });
  });

  it('dry run, cancelled (deleted), terminated awaiting approval and while Executing (WE ParentCancelled)', async () => {
    const dry = await h.createRR({ annotations: { 'kubernaut.ai/dry-run': 'true' } });
    await through(dry, false);
    await ends('dry run', dry, 'Completed', { outcome: 'DryRun' });

    const cancelled = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${cancelled}`);
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, cancelled));
    await h.deleteRR(cancelled);
    expect((await handle.result()).phase).toBe('Cancelled');
    outcomes.Cancelled = 'RR deleted, run Cancelled';

    const terminated = await h.awaitingApproval();
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, terminated))
      .terminate('terminated by an operator');
    await ends('terminated', terminated, 'Failed', { failureReason: 'WorkflowTerminated' });

    const executing = await h.createRR();
    await through(executing, false);
    await h.waitForChild('WorkflowExecution', `we-${executing}`);
    await h.waitForPhase(executing, ['Executing']);
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, executing))
      .terminate('terminated by an operator');
    await ends('terminated while Executing', executing, 'Failed', {
      failurePhase: 'WorkflowExecution',
      failureReason: 'WorkflowTerminated',
    });
    const we = await h.objects.get('workflowexecutions', h.namespace, `we-${executing}`);
    expect(we?.status).toMatchObject({ phase: 'Failed', failureReason: 'ParentCancelled' });
  });

  it('every object left, spec and status, is valid under Kubernaut’s CRD for its kind', async () => {
    const sweep = await expectAllKubernautValid(crds, h.objects, h.namespace);
    console.log(
      `${Object.keys(outcomes).length} RR paths; swept ${sweep.objects.length} objects: ${JSON.stringify(sweep.counts)}`,
    );
    // Every path above reached its end (a failed one would be missing here).
    expect(Object.keys(outcomes)).toHaveLength(18);
    const states = statesOf(sweep);
    for (const s of [
      'RemediationRequest Completed',
      'RemediationRequest Failed',
      'RemediationRequest TimedOut',
      'RemediationApprovalRequest Approved',
      'RemediationApprovalRequest Rejected',
      'RemediationApprovalRequest Expired',
      'WorkflowExecution Completed',
      'WorkflowExecution Failed',
      'EffectivenessAssessment Completed',
      'NotificationRequest -',
    ])
      expect(states).toContain(s);
  });
});
