/**
 * A remediation parked on a child (here: on approval) does not wake until something
 * happens (docs/invariants.md, "Parked waits"): no periodic re-read, so thousands of
 * parked remediations cost a worker nothing while they wait. What the re-read used
 * to cover is the child watchers' job — a change made while no worker ran is
 * signalled when the next one starts, a signal that could not be delivered is sent
 * again by the resync — and the deadline is honoured as before.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { statusQuery, workflowIdFor } from '../../lib/remediation-messages.js';
import { startChildWatchers } from '../../workers/child-watcher.js';
import type { RunningInformer } from '../../workers/informer.js';
import { workerMetrics } from '../../workers/metrics.js';
import { recordHistories } from '../harness/histories.js';
import { childSignalsIn, isParked, timersFiredIn } from '../harness/history-events.js';
import { eventually, stackInfo } from '../harness/index.js';
import {
  completedAnalysis,
  completedEnrichment,
  type RemediationHarness,
  useRemediationHarness,
} from '../harness/remediation.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const history = (h: RemediationHarness, rr: string) =>
  h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).fetchHistory();
const rarOf = async (h: RemediationHarness, rr: string) =>
  (await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`)) as KubeObject & {
    spec: { requiredBy: string };
    status: Record<string, string>;
  };
/** An RR whose workflow has read its RAR and sleeps: a decision now can only reach it by a signal. */
const parkedOnApproval = async (h: RemediationHarness) => {
  const rr = await h.awaitingApproval();
  await eventually(`${rr} to sleep on its approval`, async () => isParked(await history(h, rr)));
  return rr;
};

describe('parked waits: woken by the watchers and the deadline, never by a clock', () => {
  // Runs from before the change re-read every second with this setting: any periodic wake shows.
  const h = useRemediationHarness({ safetyRecheckMs: 1_000 });
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'parked-waits', h.created);
  });

  it('parked on approval until its deadline → no wake in between; the approval expires at requiredBy, not before', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-awaitingApproval': '8s' } });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(true));
    const failed = await h.waitForPhase(rr, ['Failed'], 60_000);
    expect((failed.status as { completionStatus: Record<string, string> }).completionStatus).toMatchObject({
      failurePhase: 'Approval',
    });
    const rar = await rarOf(h, rr);
    expect(rar.status).toMatchObject({ decision: 'Expired', decidedBy: 'system', decidedVia: 'timeout' });
    // Expired by workflow time at the deadline: never before requiredBy, and not a wake later.
    const late = Date.parse(rar.status.decidedAt!) - Date.parse(rar.spec.requiredBy);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(5_000);
    // 8 s parked with a 1 s re-read setting: one timer fired, the deadline's.
    expect(timersFiredIn(await history(h, rr))).toBe(1);
  });

  it('the decision written into the RAR while no worker runs → the next worker signals it at start; approved, no timer fired', async () => {
    const rr = await parkedOnApproval(h);
    await h.restartWorker(async () => {
      await h.setStatus('RemediationApprovalRequest', `rar-${rr}`, {
        decision: 'Approved',
        decidedBy: 'carol',
        decisionMessage: 'approved while the worker was away',
      });
    });
    await h.playExecutionAndVerification(rr);
    await h.waitForPhase(rr, ['Completed']);
    expect((await rarOf(h, rr)).status).toMatchObject({
      decision: 'Approved',
      decidedBy: 'carol',
      decidedVia: 'kubectl',
    });
    const events = await history(h, rr);
    expect(timersFiredIn(events)).toBe(0);
    expect(childSignalsIn(events)).toContainEqual(
      expect.objectContaining({ kind: 'RemediationApprovalRequest', phase: 'Approved' }),
    );
  });
});

describe('parked waits: a signal the watcher could not deliver is sent by its resync', () => {
  // The worker runs no watchers: the test's own run in its place, reaching Temporal
  // through a proxy it can cut, with one attempt per signal and a resync every second.
  const h = useRemediationHarness({}, { childWatchers: false });
  const logs: string[] = [];
  let proxy: TcpProxy;
  let connection: Connection;
  let watchers: RunningInformer;
  beforeAll(async () => {
    const [host, port] = stackInfo().temporalAddress.split(':');
    proxy = await startTcpProxy(host!, Number(port));
    // No gRPC retries of its own: a signal fails as soon as Temporal cannot be reached.
    connection = await Connection.connect({ address: `127.0.0.1:${proxy.port}`, interceptors: [] });
    watchers = startChildWatchers({
      client: new Client({ connection, namespace: stackInfo().temporalNamespace }),
      kc: loadKubeConfig(stackInfo().kubeconfigPath),
      namespace: h.namespace,
      log: (m) => logs.push(m),
      resyncMs: 1_000,
      signalAttempts: 1,
    });
    await watchers.ready;
  });
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'parked-waits-resync', h.created);
    await watchers?.stop();
    await connection?.close();
    await proxy?.close();
  });

  it('Temporal unreachable when the RAR is decided by kubectl → the signal fails and the workflow hears nothing; reachable again → the resync sends it, approved', async () => {
    const rr = await parkedOnApproval(h);
    const workflowId = workflowIdFor(h.namespace, rr);
    proxy.refuse();
    await h.setStatus('RemediationApprovalRequest', `rar-${rr}`, {
      decision: 'Approved',
      decidedBy: 'dave',
      decisionMessage: 'approved during a Temporal outage',
    });
    await eventually('the watcher to give the signal up', async () =>
      logs.some((l) => l.startsWith(`signal childStatusChanged to ${workflowId} failed`)),
    );
    const waiting = await h.runtime.client.workflow.getHandle(workflowId).query(statusQuery);
    expect(waiting.phase).toBe('AwaitingApproval');
    expect(waiting.approval.decision).toBeUndefined();

    proxy.accept();
    await h.playExecutionAndVerification(rr);
    await h.waitForPhase(rr, ['Completed']);
    expect((await rarOf(h, rr)).status).toMatchObject({ decision: 'Approved', decidedBy: 'dave' });
    const resent = (await workerMetrics.resyncSignals.get()).values.find(
      (v) => v.labels.resource === 'remediationapprovalrequests',
    );
    expect(resent?.value).toBeGreaterThan(0);
    expect(timersFiredIn(await history(h, rr))).toBe(0);
  });
});
