/**
 * Shadow mode under Kubernaut's CRDs (I12): Kubernaut's completionStatus.outcome enum has
 * no Shadow, so a shadow RR says DryRun there — this checks the RR a shadow leaves, and
 * every object beside it, is valid under Kubernaut's CRD for its kind, and that the
 * workflow's own outcome is still Shadow. Children are played in Kubernaut's shapes.
 */
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { createPolicy } from '../harness/policies.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { invalidities, kubernautCrds } from './kubernaut-crds.js';
import { expectAllKubernautValid, statesOf } from './terminal-sweep.js';

describe('shadow mode under Kubernaut’s CRDs (children played)', () => {
  const h = useRemediationHarness();
  const crds = kubernautCrds();

  it('a shadow RR and the objects beside it are valid; its CRD outcome is DryRun, its run’s Shadow', async () => {
    await createPolicy(h.namespace, 'in-shadow', { mode: { default: 'Shadow' } });
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(true));
    const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut']);
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'DryRun' });
    expect(invalidities(crds, { ...done, kind: 'RemediationRequest' })).toEqual([]);
    const run = await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).result();
    expect(run.outcome).toBe('Shadow');

    const sweep = await expectAllKubernautValid(crds, h.objects, h.namespace);
    const states = statesOf(sweep);
    expect(states).toContain('RemediationRequest Completed');
    expect(states.filter((s) => /^(WorkflowExecution|RemediationApprovalRequest)/.test(s))).toEqual([]);
  });
});
