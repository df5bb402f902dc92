/**
 * The reconciler's two passes (workers/reconciler.ts, docs/invariants.md I1 and I5):
 * between its full passes it looks only at what changed — the runs closed since its
 * last pass and what the launcher queued — and still keeps every bound: a run
 * terminated from the Web UI is closed out within an interval, a delete whose cancel
 * Temporal refused is cancelled once Temporal answers, and a close visibility reports
 * too late for the changes pass is closed out by the next full pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalPhase } from '../../lib/domain.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { workerMetrics } from '../../workers/metrics.js';
import { eventually, stackInfo } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const HOUR = 3_600_000;

async function passes(kind: 'full' | 'changes'): Promise<number> {
  const { values } = await workerMetrics.reconcilePasses.get();
  return values.filter((v) => v.labels.kind === kind).reduce((sum, v) => sum + v.value, 0);
}

/** Waits until `n` more passes of `kind` have completed than when called. */
async function morePasses(kind: 'full' | 'changes', n: number, timeoutMs = 30_000): Promise<void> {
  const from = await passes(kind);
  await eventually(`${n} more ${kind} passes`, async () => (await passes(kind)) >= from + n, timeoutMs);
}

// Started before the harness's worker, which reaches Temporal through it, and closed after it stops.
let proxy: TcpProxy;
beforeAll(async () => {
  const [host, port] = stackInfo().temporalAddress.split(':');
  proxy = await startTcpProxy(host!, Number(port));
});
afterAll(async () => {
  await proxy?.close();
});

describe('between full passes, the changes pass', () => {
  const h = useRemediationHarness(
    {},
    {
      reconcileIntervalMs: 1_000,
      reconcileFullIntervalMs: HOUR,
      temporalAddress: () => `127.0.0.1:${proxy.port}`,
    },
  );
  afterAll(() => proxy?.accept());
  const handle = (rr: string) => h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));

  it('closes out a run terminated from the Web UI within seconds, with no full pass', async () => {
    const rr = await h.awaitingApproval();
    const fullBefore = await passes('full');
    await handle(rr).terminate('terminated by an operator from the Temporal Web UI');

    const done = await h.waitForPhase(rr, ['Failed'], 20_000);
    expect(done.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowTerminated' });
    expect(await passes('full')).toBe(fullBefore);
  });

  it('cancels the run of an RR deleted while Temporal refused the launcher, once Temporal answers', async () => {
    const rr = await h.awaitingApproval();
    const cancelsBefore = (await workerMetrics.orphanCancels.get()).values[0]?.value ?? 0;
    proxy.refuse();
    await h.deleteRR(rr);
    // The launcher's cancel fails after the client's own retries: it is queued for the reconciler.
    await eventually('the cancel queued', async () => h.runtime.reconcileQueue.size.cancels > 0, 120_000);
    proxy.accept();

    const result = await handle(rr).result();
    expect(result.phase).toBe('Cancelled');
    const cancelsAfter = (await workerMetrics.orphanCancels.get()).values[0]?.value ?? 0;
    expect(cancelsAfter).toBeGreaterThan(cancelsBefore);
  }, 240_000);
});

describe('a close visibility reports too late for the changes pass', () => {
  const h = useRemediationHarness(
    {},
    {
      reconcileIntervalMs: 1_000,
      reconcileFullIntervalMs: 8_000,
      // The changes pass's window starts a minute after its last pass: it sees no close
      // at all, as if visibility reported every close more than a minute late.
      reconcileLookbackMs: -60_000,
    },
  );

  it('is closed out by the next full pass', async () => {
    const rr = await h.awaitingApproval();
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .terminate('terminated by an operator from the Temporal Web UI');
    const fullAtTerminate = await passes('full');
    await morePasses('changes', 2);
    const meanwhile = await h.objects.get('remediationrequests', h.namespace, rr);
    if ((await passes('full')) === fullAtTerminate)
      expect(isTerminalPhase(meanwhile?.status?.overallPhase as string | undefined)).toBe(false);

    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowTerminated' });
    // The pass that closed it out is counted when it completes, after its other work.
    await eventually('a full pass since', async () => (await passes('full')) > fullAtTerminate, 30_000);
  }, 90_000);
});
