/**
 * The worker's GET /metrics (docs/metrics.md) on the real stack: remediations
 * driven through the workflow move the phase counts, phase durations, approval
 * and outcome metrics; a run terminated by hand shows as a close-out; RRs that no
 * workflow moves show as stuck and blocked; apiserver errors land in Kubernaut's
 * categories. Counters are process-wide, so each check compares before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryOf } from '../../activities/error-categories.js';
import type { KubeObject } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { freePort } from '../../stack/processes.js';
import { startHealthServer } from '../../workers/health-server.js';
import { countReconcileError, workerRegistry } from '../../workers/metrics.js';
import { startRemediationMetrics } from '../../workers/remediation-metrics.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, kube, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { type Sample, sampleSum, scrape } from '../harness/metrics-text.js';
import { useRemediationHarness } from '../harness/remediation.js';

describe('worker metrics', () => {
  const h = useRemediationHarness({}, { reconcileIntervalMs: 1_000 });
  let url = '';
  let closeServer: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const server = await startHealthServer(
      () => h.runtime.readiness(),
      await freePort(),
      '127.0.0.1',
      workerRegistry,
    );
    url = `http://127.0.0.1:${server.port}/metrics`;
    closeServer = server.close;
  });
  afterAll(() => closeServer());

  /** Waits until `check` holds on a scrape, and returns that scrape. */
  const scrapeUntil = (what: string, check: (s: Sample[]) => boolean) =>
    eventually(what, async () => {
      const s = await scrape(url);
      return check(s) ? s : undefined;
    });

  it('a remediation approved with kubectl moves phase counts, phase durations, approvals and outcomes', async () => {
    const before = await scrape(url);
    const delta = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
      sampleSum(s, name, labels) - sampleSum(before, name, labels);

    const rr = await h.awaitingApproval();
    await scrapeUntil(
      'the RR counted as awaiting approval',
      (s) => delta(s, 'kubernaut_remediations', { phase: 'AwaitingApproval' }) === 1,
    );
    await h.waitForChild('RemediationApprovalRequest', `rar-${rr}`);
    await h.setStatus('RemediationApprovalRequest', `rar-${rr}`, {
      decision: 'Approved',
      decidedBy: 'carol',
    });
    await h.playExecutionAndVerification(rr);
    await h.waitForPhase(rr, ['Completed']);

    const after = await scrapeUntil(
      'the outcome counted',
      (s) =>
        delta(s, 'kubernaut_remediations_finished_total', { phase: 'Completed', outcome: 'Remediated' }) ===
        1,
    );
    expect(delta(after, 'kubernaut_remediations', { phase: 'AwaitingApproval' })).toBe(0);
    expect(delta(after, 'kubernaut_remediations', { phase: 'Completed' })).toBe(1);
    for (const phase of ['Pending', 'Processing', 'Analyzing', 'AwaitingApproval', 'Executing', 'Verifying'])
      expect(delta(after, 'kubernaut_remediation_phase_duration_seconds_count', { phase }), phase).toBe(1);
    expect(delta(after, 'kubernaut_remediation_duration_seconds_count', { phase: 'Completed' })).toBe(1);
    // The whole run took seconds here: it falls in the +Inf bucket and in the 60 s one alike.
    expect(
      delta(after, 'kubernaut_remediation_duration_seconds_bucket', { phase: 'Completed', le: '60' }),
    ).toBe(1);
    expect(delta(after, 'kubernaut_approval_decisions_total', { decision: 'Approved', via: 'kubectl' })).toBe(
      1,
    );
    expect(delta(after, 'kubernaut_approval_wait_seconds_count', { decision: 'Approved' })).toBe(1);
    expect(delta(after, 'kubernaut_audit_write_duration_seconds_count')).toBeGreaterThan(0);
    expect(sampleSum(after, 'kubernaut_worker_ready', { check: 'all' })).toBe(1);
    expect(sampleSum(after, 'kubernaut_worker_ready', { check: 'postgres' })).toBe(1);
  });

  it('a run terminated by hand is closed out and counted with reason WorkflowTerminated', async () => {
    const before = await scrape(url);
    const rr = await h.awaitingApproval();
    await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).terminate('by an operator');
    await h.waitForPhase(rr, ['Failed'], 30_000);
    const after = await scrapeUntil(
      'the failure counted',
      (s) =>
        sampleSum(s, 'kubernaut_remediations_finished_total', { phase: 'Failed' }) >
        sampleSum(before, 'kubernaut_remediations_finished_total', { phase: 'Failed' }),
    );
    const reason = { reason: 'WorkflowTerminated' };
    expect(
      sampleSum(after, 'kubernaut_reconciler_close_outs_total', reason) -
        sampleSum(before, 'kubernaut_reconciler_close_outs_total', reason),
    ).toBe(1);
  });

  it('RRs that no workflow moves: a phase past its timeout counts as stuck, a block by its reason', async () => {
    // A namespace no worker launches in: the test writes status as a stalled workflow would have.
    const namespace = await testNamespace('stuck');
    const tracker = startRemediationMetrics({
      kc: loadKubeConfig(stackInfo().kubeconfigPath),
      namespace,
      log: () => {},
    });
    await tracker.ready;
    try {
      const before = await scrape(url);
      const create = async (status: Record<string, unknown>) => {
        const name = uniqueName('rr');
        await h.objects.create(
          'remediationrequests',
          namespace,
          sampleRemediationRequest(namespace, name) as unknown as KubeObject,
        );
        await h.objects.mergeStatus('remediationrequests', namespace, name, status);
        return name;
      };
      const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
      // Processing for 6 minutes (timeout 5m): stuck. Analyzing for 1 minute of 10: not.
      await create({
        overallPhase: 'Processing',
        startTime: ago(7),
        phaseProgress: { processingStartTime: ago(6) },
      });
      await create({
        overallPhase: 'Analyzing',
        startTime: ago(2),
        phaseProgress: { analyzingStartTime: ago(1) },
      });
      const blocked = await create({ overallPhase: 'Pending', startTime: ago(0) });
      await scrapeUntil(
        'three RRs seen',
        (s) => sampleSum(s, 'kubernaut_remediations') - sampleSum(before, 'kubernaut_remediations') === 3,
      );
      await h.objects.mergeStatus('remediationrequests', namespace, blocked, {
        overallPhase: 'Blocked',
        routingStatus: { blockReason: 'ConsecutiveFailures' },
      });
      const after = await scrapeUntil(
        'the block counted',
        (s) =>
          sampleSum(s, 'kubernaut_routing_blocks_total', { reason: 'ConsecutiveFailures' }) >
          sampleSum(before, 'kubernaut_routing_blocks_total', { reason: 'ConsecutiveFailures' }),
      );
      expect(sampleSum(after, 'kubernaut_remediations_stuck', { phase: 'Processing' })).toBe(1);
      expect(sampleSum(after, 'kubernaut_remediations_stuck', { phase: 'Analyzing' })).toBe(0);
      expect(sampleSum(after, 'kubernaut_remediations_stuck', { phase: 'Blocked' })).toBe(0);
      // Each RR was created without a status (Pending) and then moved on by the test.
      expect(
        sampleSum(after, 'kubernaut_remediation_phase_duration_seconds_count', { phase: 'Pending' }) -
          sampleSum(before, 'kubernaut_remediation_phase_duration_seconds_count', { phase: 'Pending' }),
      ).toBe(3);
    } finally {
      await tracker.stop();
    }
  });

  it("counts the apiserver's own errors under Kubernaut's categories (404 A, 409 E, 422 C)", async () => {
    const { custom } = kube();
    const ns = h.namespace;
    const rr = sampleRemediationRequest(ns, uniqueName('rr'));
    const refs = { group: 'kubernaut.ai', version: 'v1alpha1', namespace: ns, plural: 'remediationrequests' };
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail('the apiserver accepted it'),
        (e: unknown) => e,
      );
    const notFound = await errorOf(
      custom.getNamespacedCustomObject({ ...refs, name: uniqueName('missing') }),
    );
    await custom.createNamespacedCustomObject({ ...refs, body: rr });
    const conflict = await errorOf(custom.createNamespacedCustomObject({ ...refs, body: rr }));
    const invalid = await errorOf(
      custom.createNamespacedCustomObject({
        ...refs,
        body: { ...rr, metadata: { name: uniqueName('rr') }, spec: {} },
      }),
    );
    expect([categoryOf(notFound), categoryOf(conflict), categoryOf(invalid)]).toEqual(['A', 'E', 'C']);

    const before = await scrape(url);
    for (const err of [notFound, conflict, invalid, new Error('socket hang up')])
      countReconcileError('metrics-test', err);
    const after = await scrape(url);
    for (const category of ['A', 'B', 'C', 'E']) {
      const labels = { controller: 'metrics-test', category };
      expect(
        sampleSum(after, 'kubernaut_controller_reconcile_errors_total', labels) -
          sampleSum(before, 'kubernaut_controller_reconcile_errors_total', labels),
        category,
      ).toBe(1);
    }
    const writer = { writer: 'metrics-test' };
    expect(
      sampleSum(after, 'kubernaut_status_update_conflicts_total', writer) -
        sampleSum(before, 'kubernaut_status_update_conflicts_total', writer),
    ).toBe(1);
  });
});
