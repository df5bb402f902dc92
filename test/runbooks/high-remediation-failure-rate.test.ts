/**
 * docs/runbooks/high-remediation-failure-rate.md, tried: five remediations whose
 * target does not exist fail in the built-in SignalProcessing controller (a child
 * failed, Category F) — at least 5 finished and more than 15 % failed, what
 * KubernautHighRemediationFailureRate fires on, read from the worker's /metrics — and
 * the runbook's first diagnostic, `kubernaut list --phase Failed --since 1h`, lists
 * each of them as Failed.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../harness/index.js';
import { curl, grep, kubernaut, useWorkerProbePort } from '../harness/operator.js';
import { useRemediationHarness } from '../harness/remediation.js';

const FAILING = 5;

describe('runbook: high remediation failure rate', () => {
  const h = useRemediationHarness({}, { controllers: { enabled: ['signalprocessing'] } });
  const probe = useWorkerProbePort(() => h.runtime.readiness());
  /** kubernaut_remediations_finished_total by phase, summed over outcomes. */
  const finished = async () => {
    const byPhase = new Map<string, number>();
    for (const line of grep(
      (await curl(`${probe.url}/metrics`)).body,
      'kubernaut_remediations_finished_total{',
    )) {
      const phase = /phase="(\w+)"/.exec(line)?.[1] ?? '';
      byPhase.set(phase, (byPhase.get(phase) ?? 0) + Number(line.split(' ').at(-1)));
    }
    return byPhase;
  };
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

  it('five RRs failing on a missing target → the failure ratio fires; kubernaut list --phase Failed names them', async () => {
    const before = await finished();
    // Targets that do not exist: the SignalProcessing controller fails each one.
    const failing = await Promise.all(Array.from({ length: FAILING }, () => h.createRR()));
    await Promise.all(failing.map((rr) => h.waitForPhase(rr, ['Failed'], 30_000)));

    const after = await eventually('the failures counted', async () => {
      const m = await finished();
      return (m.get('Failed') ?? 0) - (before.get('Failed') ?? 0) === FAILING ? m : undefined;
    });
    const finishedNow = total(after) - total(before);
    const failedNow = (after.get('Failed') ?? 0) - (before.get('Failed') ?? 0);
    expect(finishedNow).toBeGreaterThanOrEqual(5);
    expect(failedNow / finishedNow).toBeGreaterThan(0.15);

    const listed = await eventually('kubernaut list to show every failed RR', async () => {
      const r = await kubernaut(['list', '--phase', 'Failed', '--since', '1h']);
      return failing.every((rr) => r.stdout.includes(` ${rr} `)) ? r : undefined;
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+PHASE\s+OUTCOME\s+SIGNAL\s+TARGET\s+AGE/,
    );
    for (const rr of failing) {
      const row = listed.stdout.split('\n').find((l) => l.includes(` ${rr} `));
      expect(row, rr).toMatch(new RegExp(`^${h.namespace}\\s+${rr}\\s+Failed\\s`));
    }

    // The runbook's next step (kubectl get rr <name> -o jsonpath='{.status.completionStatus}'): where and why.
    const rr = await h.objects.get('remediationrequests', h.namespace, failing[0]!);
    expect(rr?.status?.completionStatus).toMatchObject({
      failurePhase: 'SignalProcessing',
      failureReason: expect.stringMatching(/not found/),
    });
  });
});
