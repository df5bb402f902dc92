import { describe, expect, it } from 'vitest';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, uniqueName } from '../harness/index.js';
import { usePrivateControlPlane } from '../harness/private-control-plane.js';
import { completedAnalysis, completedEnrichment } from '../harness/remediation.js';

// A control plane of its own: restarting its API server must not disturb other test files.
describe('watch disconnects', () => {
  // No safety re-read within the test's deadlines: only the watchers can report a completion.
  const plane = usePrivateControlPlane({
    settings: { safetyRecheckMs: 3_600_000 },
    controllers: { enabled: [] },
  });
  const namespace = plane.namespace;

  const waitFor = (plural: string, name: string) =>
    eventually(`${plural}/${name}`, () => plane.objects.get(plural, namespace, name), 60_000);

  it('kube-apiserver restarted mid-remediation → watchers resume and no child completion is missed', async () => {
    const rr = uniqueName('rr');
    await plane.objects.create(
      'remediationrequests',
      namespace,
      sampleRemediationRequest(namespace, rr) as never,
    );
    await waitFor('signalprocessings', `sp-${rr}`);

    await plane.kube.restartApiServer();

    // Completions written after the restart reach the workflow only through the resumed watches.
    await plane.objects.mergeStatus('signalprocessings', namespace, `sp-${rr}`, completedEnrichment);
    await waitFor('aianalyses', `ai-${rr}`);
    await plane.objects.mergeStatus('aianalyses', namespace, `ai-${rr}`, completedAnalysis(false));
    await waitFor('workflowexecutions', `we-${rr}`);
    await plane.objects.mergeStatus('workflowexecutions', namespace, `we-${rr}`, { phase: 'Completed' });
    await waitFor('effectivenessassessments', `ea-${rr}`);
    await plane.objects.mergeStatus('effectivenessassessments', namespace, `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'Full',
    });
    const done = await eventually(
      'the RR to complete',
      async () => {
        const o = await plane.objects.get('remediationrequests', namespace, rr);
        return o?.status?.overallPhase === 'Completed' ? o : undefined;
      },
      60_000,
    );
    expect((done.status?.completionStatus as Record<string, string> | undefined)?.outcome).toBe('Remediated');
  });
});
