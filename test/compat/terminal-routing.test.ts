/**
 * Routing blocks and the approval refusal of a changed target, under Kubernaut's
 * CRDs: each block is validated while the RR is Blocked (routingStatus as written),
 * then followed to its outcome; at the end every object left in the namespace is
 * validated, spec and status. Children are played in Kubernaut's shapes.
 */
import { describe, expect, it } from 'vitest';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { fingerprintOf } from '../harness/fixtures.js';
import { kube, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { createDeployment } from '../harness/workloads.js';
import { invalidities, kubernautCrds } from './kubernaut-crds.js';
import { expectAllKubernautValid, statesOf } from './terminal-sweep.js';

describe('routing blocks and refusals under Kubernaut’s CRDs (children played)', () => {
  const h = useRemediationHarness({
    stabilizationWindow: '1s',
    routingRules: { backoffBaseMs: 8_000, backoffMaxMs: 16_000, recentlyRemediatedCooldownMs: 8_000 },
  });
  const crds = kubernautCrds();
  const blocks: string[] = [];

  async function toRouting(rr: string, approvalRequired = false) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(approvalRequired));
  }
  async function finish(rr: string) {
    await h.playExecutionAndVerification(rr);
    return h.waitForPhase(rr, ['Completed']);
  }
  async function failInProcessing(target: string) {
    const rr = await h.createRR({ target });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, {
      phase: 'Failed',
      failureInfo: { error: 'enrichment failed' },
    });
    await h.waitForPhase(rr, ['Failed']);
  }
  /** Waits for Blocked with `reason` and validates the RR as it is then. */
  async function blockedBy(rr: string, reason: string) {
    const blocked = await h.waitForPhase(rr, ['Blocked']);
    expect(blocked.status?.routingStatus).toMatchObject({ blockReason: reason });
    expect(invalidities(crds, { ...blocked, kind: 'RemediationRequest' }), reason).toEqual([]);
    blocks.push(reason);
  }

  it('DuplicateInProgress → inherits Completed; ResourceBusy → runs after the first', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await toRouting(first);
    await h.waitForPhase(first, ['Executing']);
    const dup = await h.createRR({ target });
    await toRouting(dup);
    await blockedBy(dup, 'DuplicateInProgress');
    const busy = await h.createRR({ target, fingerprint: fingerprintOf(`other:${target}`) });
    await toRouting(busy);
    await blockedBy(busy, 'ResourceBusy');
    await finish(first);
    const inherited = await h.waitForPhase(dup, ['Completed']);
    expect(inherited.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
    await h.waitForPhase(busy, ['Executing'], 40_000);
    await finish(busy);
  });

  it('ExponentialBackoff and RecentlyRemediated → wait, then execute; ConsecutiveFailures → stays Blocked', async () => {
    const backoff = uniqueName('web');
    await failInProcessing(backoff);
    const after = await h.createRR({ target: backoff });
    await toRouting(after);
    await blockedBy(after, 'ExponentialBackoff');

    const recent = uniqueName('web');
    const done = await h.createRR({ target: recent });
    await toRouting(done);
    await finish(done);
    const again = await h.createRR({ target: recent });
    await toRouting(again);
    await blockedBy(again, 'RecentlyRemediated');

    const streak = uniqueName('web');
    for (let i = 0; i < 3; i++) await failInProcessing(streak);
    const fourth = await h.createRR({ target: streak });
    await toRouting(fourth);
    await blockedBy(fourth, 'ConsecutiveFailures');

    await h.waitForPhase(after, ['Executing'], 40_000);
    await finish(after);
    await h.waitForPhase(again, ['Executing'], 40_000);
    await finish(again);
  });

  it('a target changed after the analysis: approval refuses it (hash recorded by the workflow) → Failed', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr = await h.createRR({ target: web });
    await toRouting(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    // Kubernaut's AIAnalysis has no place for the target's hash; the workflow took it when it saw the analysis.
    expect(
      (await h.objects.get('aianalyses', h.namespace, `ai-${rr}`))?.status?.targetSpecHash,
    ).toBeUndefined();
    await kube().apps.patchNamespacedDeploymentScale({
      namespace: h.namespace,
      name: web,
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    });
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(failed.status?.completionStatus).toMatchObject({
      failurePhase: 'Approval',
      failureReason: expect.stringMatching(/changed since the analysis/),
    });
  });

  it('every object left, spec and status, is valid under Kubernaut’s CRD for its kind', async () => {
    expect(blocks.sort()).toEqual([
      'ConsecutiveFailures',
      'DuplicateInProgress',
      'ExponentialBackoff',
      'RecentlyRemediated',
      'ResourceBusy',
    ]);
    const sweep = await expectAllKubernautValid(crds, h.objects, h.namespace);
    const states = statesOf(sweep);
    for (const s of [
      'RemediationRequest Completed',
      'RemediationRequest Blocked',
      'RemediationRequest Failed',
    ])
      expect(states).toContain(s);
  });
});
