/**
 * Routing waits that do not act (DESIGN §5.5, §14 I7): an RR waiting out a cooldown,
 * a backoff or another RR with its signal holds no target lock, so remediations of
 * other signals on the same target run meanwhile. And a duplicate whose original is
 * deleted inherits nothing — nothing was remediated — but is routed afresh.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { targetLockName } from '../../activities/target-lock.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import type { TargetResource } from '../../lib/remediation-request.js';
import { fingerprintOf } from '../harness/fixtures.js';
import { recordHistories } from '../harness/histories.js';
import { stackInfo, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

describe('routing: waits that do not act', () => {
  // Waits far longer than any test here: an RR seen waiting is still waiting when checked.
  const h = useRemediationHarness({
    routingRules: { backoffBaseMs: 300_000, backoffMaxMs: 600_000, recentlyRemediatedCooldownMs: 300_000 },
  });
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'routing-waits', h.created);
  });
  const coordination = () => loadKubeConfig(stackInfo().kubeconfigPath).makeApiClient(k8s.CoordinationV1Api);
  const locksHeldBy = async (rr: string) => {
    const { items } = await coordination().listNamespacedLease({
      namespace: h.namespace,
      labelSelector: 'kubernaut.ai/target-lock=true',
    });
    return items.filter((l) => l.spec?.holderIdentity === rr).map((l) => l.metadata?.name);
  };
  const routing = (rr: { status?: Record<string, unknown> }) =>
    (rr.status?.routingStatus ?? {}) as Record<string, string | undefined>;
  const blockReasons = async (rr: string) => {
    const { rows } = await h.pool.query(
      "SELECT event_data->>'block_reason' AS reason FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.routing.blocked'",
      [rr],
    );
    return rows.map((r) => r.reason as string);
  };

  async function toRouting(rr: string, workflowId = 'restart-deployment') {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    const analysis = completedAnalysis(false);
    await h.setStatus('AIAnalysis', `ai-${rr}`, {
      ...analysis,
      rcaResult: {
        ...analysis.rcaResult,
        selectedWorkflow: { ...analysis.rcaResult.selectedWorkflow, workflowId },
      },
    });
  }
  async function failInProcessing(target: string) {
    const rr = await h.createRR({ target });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, {
      phase: 'Failed',
      failureInfo: { error: 'enrichment failed' },
    });
    await h.waitForPhase(rr, ['Failed']);
    return rr;
  }
  /** The RR goes straight from analysis to Executing: nothing blocked it, ResourceBusy included. */
  async function expectToExecute(rr: string) {
    const next = await h.waitForPhase(rr, ['Executing', 'Blocked']);
    expect(next.status?.overallPhase, String(next.status?.message)).toBe('Executing');
    expect(await blockReasons(rr)).toEqual([]);
  }
  /** An RR on `target` for another signal (fingerprint) than the RRs h.createRR makes for it. */
  const otherSignalOn = (target: string) =>
    h.createRR({ target, fingerprint: fingerprintOf(`other-signal:${target}`) });

  it('ExponentialBackoff: the RR backing off holds no target lock, and another signal’s RR on that target executes meanwhile', async () => {
    const target = uniqueName('web');
    await failInProcessing(target);
    const backingOff = await h.createRR({ target });
    await toRouting(backingOff);
    expect(routing(await h.waitForPhase(backingOff, ['Blocked'])).blockReason).toBe('ExponentialBackoff');
    expect(await locksHeldBy(backingOff)).toEqual([]);

    const other = await otherSignalOn(target);
    await toRouting(other);
    await expectToExecute(other);
    expect(routing(await h.waitForPhase(backingOff, ['Blocked'])).blockReason).toBe('ExponentialBackoff');
  });

  it('RecentlyRemediated: the RR waiting out the cooldown holds no target lock, and another signal’s RR on that target (another workflow) executes meanwhile', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await toRouting(first);
    await h.playExecutionAndVerification(first);
    await h.waitForPhase(first, ['Completed']);
    const coolingDown = await h.createRR({ target });
    await toRouting(coolingDown);
    expect(routing(await h.waitForPhase(coolingDown, ['Blocked'])).blockReason).toBe('RecentlyRemediated');
    expect(await locksHeldBy(coolingDown)).toEqual([]);

    const other = await otherSignalOn(target);
    await toRouting(other, 'scale-deployment');
    await expectToExecute(other);
    expect(routing(await h.waitForPhase(coolingDown, ['Blocked'])).blockReason).toBe('RecentlyRemediated');
  });

  it('an RR that holds the target lock from an earlier pass releases it when a wait blocks it', async () => {
    const target = uniqueName('web');
    await failInProcessing(target);
    const rr = await h.createRR({ target });
    const targetResource = (await h.objects.get('remediationrequests', h.namespace, rr))!.spec!
      .targetResource as TargetResource;
    // The Lease as a pass that took the lock before the backoff began would have left it.
    await coordination().createNamespacedLease({
      namespace: h.namespace,
      body: {
        metadata: { name: targetLockName(targetResource), labels: { 'kubernaut.ai/target-lock': 'true' } },
        spec: { holderIdentity: rr, acquireTime: new k8s.V1MicroTime() },
      },
    });
    expect(await locksHeldBy(rr)).toHaveLength(1);
    await toRouting(rr);
    expect(routing(await h.waitForPhase(rr, ['Blocked'])).blockReason).toBe('ExponentialBackoff');
    expect(await locksHeldBy(rr)).toEqual([]);

    const other = await otherSignalOn(target);
    await toRouting(other);
    await expectToExecute(other);
  });

  it('DuplicateInProgress: the duplicate holds no lock; when its original is deleted it inherits nothing and runs its own remediation', async () => {
    const target = uniqueName('web');
    const original = await h.createRR({ target });
    await toRouting(original);
    await h.waitForPhase(original, ['Executing']);
    const duplicate = await h.createRR({ target });
    await toRouting(duplicate);
    const blocked = await h.waitForPhase(duplicate, ['Blocked']);
    expect(routing(blocked)).toMatchObject({ blockReason: 'DuplicateInProgress', duplicateOf: original });
    expect(await locksHeldBy(duplicate)).toEqual([]);

    await h.deleteRR(original);
    const running = await h.waitForPhase(duplicate, [
      'Executing',
      'Completed',
      'Cancelled',
      'Skipped',
      'Failed',
    ]);
    expect(running.status?.overallPhase, String(running.status?.message)).toBe('Executing');
    expect(routing(running).duplicateOf).toBeUndefined();
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${duplicate}`)).not.toBeNull();

    await h.playExecutionAndVerification(duplicate);
    const done = await h.waitForPhase(duplicate, ['Completed']);
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
    expect(String(done.status?.message)).not.toMatch(/inherit|remediated the same signal/i);
  });
});
