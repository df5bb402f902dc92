/**
 * One workflow run per RemediationRequest, however late or often the launcher is
 * asked to start it. The reliability suite caught a start issued from a stale view
 * of an RR (an informer event from before it finished) running the whole
 * remediation again after the first run had closed: every audit event twice.
 * The other way round, an RR whose run is going is not started again on each of its
 * own status updates: they ask Temporal nothing.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { watchKind } from '../../workers/informer.js';
import { workerMetrics } from '../../workers/metrics.js';
import { startRemediation } from '../../workers/start-remediation.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';

describe('launching remediation workflows', () => {
  const h = useRemediationHarness();
  const taskQueue = () => h.runtime.worker.options.taskQueue;
  /** The launcher's starts so far, by outcome (the metric is process-wide: compare before and after). */
  const launcherStarts = async () =>
    Object.fromEntries(
      (await workerMetrics.launcherStarts.get()).values.map((v) => [String(v.labels.outcome), v.value]),
    ) as Record<string, number>;

  /** Drives an RR to Failed (its signal processing fails) and waits for its run to close. */
  async function finishedRR() {
    const rr = await h.createRR();
    const asCreated = (await h.objects.get('remediationrequests', h.namespace, rr))!;
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, { phase: 'Failed', failureInfo: { error: 'gone' } });
    await h.waitForPhase(rr, ['Failed']);
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    await handle.result();
    return { rr, asCreated, handle, firstRun: (await handle.describe()).runId };
  }

  it('a start from a stale view after the run finished → refused as finished, no second run, no new audit rows', async () => {
    const { rr, asCreated, handle, firstRun } = await finishedRR();
    const auditBefore = await h.auditTypes(rr);
    expect(asCreated.status?.overallPhase ?? 'Pending').not.toBe('Failed');

    expect(await startRemediation(h.runtime.client, asCreated, taskQueue())).toBe('finished');
    expect(await startRemediation(h.runtime.client, asCreated, taskQueue())).toBe('finished');

    const latest = await handle.describe();
    expect(latest.runId).toBe(firstRun);
    expect(latest.status.name).toBe('COMPLETED');
    expect(await h.auditTypes(rr)).toEqual(auditBefore);
  });

  it('a start while the run is going → joins it (running), no second run', async () => {
    const rr = await h.createRR();
    const obj = (await h.objects.get('remediationrequests', h.namespace, rr))!;
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    const first = (await handle.describe()).runId;

    expect(await startRemediation(h.runtime.client, obj, taskQueue())).toBe('running');
    expect((await handle.describe()).runId).toBe(first);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });

  it('an RR deleted and re-created under the same name → a fresh run for the new uid', async () => {
    const { rr, firstRun, handle } = await finishedRR();
    await h.deleteRR(rr);
    await eventually(
      `RR ${rr} to be gone`,
      async () => (await h.objects.get('remediationrequests', h.namespace, rr)) === null,
      30_000,
    );
    const again = sampleRemediationRequest(h.namespace, rr, `${rr}-target`) as unknown as KubeObject;
    const created = await h.objects.create('remediationrequests', h.namespace, again);

    // The harness's launcher sees the new RR and starts it.
    const latest = await eventually(
      'a run for the re-created RR',
      async () => {
        const d = await handle.describe();
        return d.runId !== firstRun ? d : undefined;
      },
      30_000,
    );
    expect(latest.memo?.uid).toBe(created.metadata.uid);
    expect(await startRemediation(h.runtime.client, created, taskQueue())).toBe('running');
    expect((await handle.describe()).runId).toBe(latest.runId);
  });

  it("an RR's own status updates on its way to AwaitingApproval → one start in all, answered running", async () => {
    const before = await launcherStarts();
    // What the launcher's informer is handed, counted by a watch of our own.
    const seen = new Map<string, number>();
    const watch = watchKind(
      loadKubeConfig(stackInfo().kubeconfigPath),
      'remediationrequests',
      { onUpsert: (o) => seen.set(o.metadata.name, (seen.get(o.metadata.name) ?? 0) + 1) },
      () => {},
      h.namespace,
    );
    await watch.ready;
    try {
      const rr = await h.awaitingApproval();
      // Created, then Processing, Analyzing and AwaitingApproval written by its workflow (and more).
      await eventually('the watch to see the RR parked', async () => (seen.get(rr) ?? 0) >= 4);

      const after = await launcherStarts();
      const delta = (o: string) => (after[o] ?? 0) - (before[o] ?? 0);
      expect(delta('running')).toBe(1);
      expect(['finished', 'refused', 'error'].map(delta)).toEqual([0, 0, 0]);
    } finally {
      await watch.stop();
    }
  });
});
