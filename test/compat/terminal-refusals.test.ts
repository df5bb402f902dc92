/**
 * Category C under Kubernaut's CRDs: the apiserver refuses a step for good (403 after
 * an RBAC change, 422 from a stricter schema) at each child the workflow creates. The
 * RR must end at once — Failed, naming the step and the refusal — and every object
 * the path leaves (the failed RR, its escalation, the children made before the
 * refusal) must be valid, spec and status, under Kubernaut's CRD for its kind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { refuseCreates } from '../harness/admission.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { kubernautCrds } from './kubernaut-crds.js';
import { expectAllKubernautValid, statesOf } from './terminal-sweep.js';

describe('refusal paths (Category C) under Kubernaut’s CRDs', () => {
  const h = useRemediationHarness({}, { reconcileIntervalMs: 1_000 });
  const crds = kubernautCrds();
  const outcomes: Record<string, Record<string, unknown>> = {};
  const lifts: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const lift of lifts.splice(0)) await lift();
  });

  const refuse = async (plural: string, reason: 'Forbidden' | 'Invalid') => {
    lifts.push(await refuseCreates({ plural, namespace: h.namespace, reason, message: 'refused by policy' }));
  };
  async function failsAt(path: string, rr: string, failurePhase: string, status: 403 | 422) {
    const done = await h.waitForPhase(rr, ['Failed'], 40_000);
    const cs = done.status?.completionStatus as Record<string, unknown>;
    expect(cs, path).toMatchObject({ failurePhase });
    expect(String(cs.failureReason), path).toMatch(new RegExp(`refused by the apiserver \\(${status}\\)`));
    outcomes[path] = cs;
  }

  it('403 creating the SignalProcessing: Failed in SignalProcessing, escalated', async () => {
    await refuse('signalprocessings', 'Forbidden');
    const rr = await h.createRR();
    await failsAt('SignalProcessing refused', rr, 'SignalProcessing', 403);
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-escalation-${rr}`)).not.toBeNull();
  });

  it('422 creating the AIAnalysis: Failed in AIAnalysis', async () => {
    await refuse('aianalyses', 'Invalid');
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await failsAt('AIAnalysis refused', rr, 'AIAnalysis', 422);
  });

  it('403 creating the RemediationApprovalRequest: Failed in Approval', async () => {
    await refuse('remediationapprovalrequests', 'Forbidden');
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(true));
    await failsAt('RemediationApprovalRequest refused', rr, 'Approval', 403);
  });

  it('403 creating the WorkflowExecution: Failed in WorkflowExecution, nothing executed', async () => {
    await refuse('workflowexecutions', 'Forbidden');
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
    await failsAt('WorkflowExecution refused', rr, 'WorkflowExecution', 403);
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
  });

  it('403 creating the escalation NotificationRequest as well: still Failed at once, the refusal named', async () => {
    await refuse('signalprocessings', 'Forbidden');
    await refuse('notificationrequests', 'Forbidden');
    const rr = await h.createRR();
    await failsAt('SignalProcessing and its escalation refused', rr, 'SignalProcessing', 403);
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-escalation-${rr}`)).toBeNull();
  });

  it('every object the refusal paths left is valid under Kubernaut’s CRD for its kind', async () => {
    expect(Object.keys(outcomes)).toHaveLength(5);
    const sweep = await expectAllKubernautValid(crds, h.objects, h.namespace);
    console.log(`swept ${sweep.objects.length} objects: ${JSON.stringify(sweep.counts)}`);
    const states = statesOf(sweep);
    expect(states.filter((s) => s === 'RemediationRequest Failed')).toHaveLength(5);
    for (const s of ['SignalProcessing Completed', 'AIAnalysis Completed', 'NotificationRequest -'])
      expect(states).toContain(s);
  });
});
