/**
 * docs/runbooks/stuck-remediations.md, tried: an RR in Processing (timeout 5 s) whose
 * worker stops polling its task queue — nothing moves it, so it stays past its
 * timeout: kubernaut_remediations_stuck{phase="Processing"}, what
 * KubernautRemediationsStuck fires on. The runbook's first diagnostic, `curl -s
 * <worker>:8081/readyz`, shows the worker's polling failed. Its action holds: a
 * worker polling again fires the overdue timeout and the RR ends TimedOut.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../harness/index.js';
import { curl, grep, sampleValue, useWorkerProbePort } from '../harness/operator.js';
import { useRemediationHarness } from '../harness/remediation.js';

describe('runbook: stuck remediations', () => {
  const h = useRemediationHarness();
  const probe = useWorkerProbePort(() => h.runtime.readiness());
  const stuck = async () =>
    sampleValue(
      grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_remediations_stuck{'),
      'kubernaut_remediations_stuck{phase="Processing"}',
    );

  it('the task queue loses its poller mid-Processing → stuck past the timeout; /readyz names the worker check', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-processing': '5s' } });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.waitForPhase(rr, ['Processing']);
    expect(await stuck()).toBe(0);

    // The worker stops polling (its other parts — watchers, launcher, probes — run on).
    h.runtime.worker.shutdown();
    await eventually('the worker stopped', async () => h.runtime.worker.getState() === 'STOPPED');
    await eventually('the RR counted as stuck in Processing', async () => (await stuck()) === 1, 20_000);
    expect((await h.objects.get('remediationrequests', h.namespace, rr))?.status?.overallPhase).toBe(
      'Processing',
    );

    const readyz = await curl(`${probe.url}/readyz`);
    expect(readyz.status).toBe(503);
    const { checks } = JSON.parse(readyz.body) as {
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(checks.worker).toMatchObject({ status: 'failed', error: 'worker is STOPPED' });
    for (const ok of ['postgres', 'temporal', 'kubernetes'])
      expect(checks[ok], ok).toMatchObject({ status: 'ok' });

    // The action: a worker polling again; the workflow fires its overdue timeout.
    await h.restartWorker();
    const done = await h.waitForPhase(rr, ['TimedOut'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({
      timeoutPhase: 'Processing',
      failureReason: 'PhaseTimeout',
    });
  });
});
