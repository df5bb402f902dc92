/**
 * docs/runbooks/approval-backlog.md, tried: more than 10 remediations wait for an
 * approval decision — what KubernautApprovalBacklog fires on, read from the worker's
 * /metrics — and the runbook's first diagnostic, `kubernaut pending`, lists each of
 * them with the time left before it expires.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../harness/index.js';
import { curl, grep, kubernaut, sampleValue, useWorkerProbePort } from '../harness/operator.js';
import { useRemediationHarness } from '../harness/remediation.js';

const BACKLOG = 11;

describe('runbook: approval backlog', () => {
  const h = useRemediationHarness();
  const probe = useWorkerProbePort(() => h.runtime.readiness());

  it(`${BACKLOG} RRs awaiting approval → the gauge is above 10; kubernaut pending lists every one with its time left`, async () => {
    // A few at a time: a dozen remediations at once is more than two shared cores keep up with.
    const waiting: string[] = [];
    while (waiting.length < BACKLOG) {
      const batch = Math.min(3, BACKLOG - waiting.length);
      waiting.push(...(await Promise.all(Array.from({ length: batch }, () => h.awaitingApproval()))));
    }

    // The alert's expression: max(kubernaut_remediations{phase="AwaitingApproval"}) > 10.
    const gauge = await eventually('the backlog in the gauge', async () => {
      const lines = grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_remediations{');
      const n = sampleValue(lines, 'kubernaut_remediations{phase="AwaitingApproval"}');
      return n === BACKLOG ? n : undefined;
    });
    expect(gauge).toBeGreaterThan(10);

    const pending = await eventually('kubernaut pending to list the backlog', async () => {
      const r = await kubernaut(['pending']);
      return waiting.every((rr) => r.stdout.includes(rr)) ? r : undefined;
    });
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+SIGNAL\s+TARGET\s+WORKFLOW\s+TIME LEFT/,
    );
    for (const rr of waiting) {
      const row = pending.stdout.split('\n').find((l) => l.includes(` ${rr} `));
      // The default approval window is 15 minutes: each has minutes left.
      expect(row, rr).toMatch(
        new RegExp(`^${h.namespace}\\s+${rr}\\s+KubePodCrashLooping\\s+.*restart-deployment\\s+1[0-5]m`),
      );
    }
  });
});
