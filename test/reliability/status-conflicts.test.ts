/**
 * Kubernetes API trouble (DESIGN §12): other writers race the workflow on the
 * RemediationRequest — one bumps its labels in a loop, another does read-modify-write
 * replaces of its status (the optimistic-concurrency writes that get 409s). The
 * remediation still converges to the right terminal status, and keeps it.
 */
import { describe, expect, it } from 'vitest';
import { API_GROUP } from '../../lib/domain.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { eventually, kube } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { reportFigures } from './report.js';

describe('conflicting writers on a RemediationRequest', () => {
  const h = useRemediationHarness({ stabilizationWindow: '1s' });

  /** Runs `step` until stopped or `maxMs` passes; counts outcomes. Bounded. */
  function hammer(step: () => Promise<unknown>, maxMs = 120_000) {
    const counts = { ok: 0, conflict: 0, other: 0 };
    let stopped = false;
    const deadline = Date.now() + maxMs;
    const loop = (async () => {
      while (!stopped && Date.now() < deadline) {
        try {
          await step();
          counts.ok++;
        } catch (err) {
          if (String((err as { code?: number }).code ?? err).includes('409')) counts.conflict++;
          else counts.other++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    return {
      counts,
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }

  it('labels bumped and status replaced concurrently: Completed / Remediated, audited once', async () => {
    const rr = await h.createRR();
    const path = `/apis/${API_GROUP}/v1alpha1/namespaces/${h.namespace}/remediationrequests/${rr}`;
    let n = 0;
    const labels = hammer(() =>
      kubeRequest(
        kube().kc,
        'PATCH',
        path,
        { metadata: { labels: { 'reliability/bump': String(++n) } } },
        'application/merge-patch+json',
      ),
    );
    const statusWriter = hammer(async () => {
      const cur = await h.objects.get('remediationrequests', h.namespace, rr);
      if (!cur) return;
      // A slow read-modify-write: the workflow may patch in between (then 409).
      await new Promise((r) => setTimeout(r, 30));
      await kube().custom.replaceNamespacedCustomObjectStatus({
        group: API_GROUP,
        version: 'v1alpha1',
        namespace: h.namespace,
        plural: 'remediationrequests',
        name: rr,
        body: cur,
      });
    });
    try {
      await h.waitForChild('SignalProcessing', `sp-${rr}`);
      await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
      await h.waitForChild('AIAnalysis', `ai-${rr}`);
      await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
      await h.playExecutionAndVerification(rr);
      await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 60_000);
    } finally {
      await labels.stop();
      await statusWriter.stop();
    }
    // The race happened: both writers wrote, and some status replaces lost it.
    expect(labels.counts.ok).toBeGreaterThan(5);
    expect(statusWriter.counts.ok + statusWriter.counts.conflict).toBeGreaterThan(5);

    const done = await h.objects.get('remediationrequests', h.namespace, rr);
    expect(done?.status?.overallPhase).toBe('Completed');
    expect(done?.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
    const types = await eventually('the completion audit event', async () => {
      const t = await h.auditTypes(rr);
      return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
    });
    for (const t of ['orchestrator.lifecycle.started', 'orchestrator.lifecycle.completed'])
      expect(
        types.filter((x) => x === t),
        t,
      ).toHaveLength(1);
    reportFigures('status-conflicts', {
      labelBumps: labels.counts.ok,
      statusReplaces: statusWriter.counts.ok,
      statusConflicts: statusWriter.counts.conflict,
      outcome: 'Remediated',
    });
  });
});
