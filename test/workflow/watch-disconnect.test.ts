import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeObjects } from '../../activities/kube-objects.js';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { installCrds } from '../../lib/kube/install-crds.js';
import { type StartedKube, startKube } from '../../stack/kube.js';
import { resolveTool } from '../../stack/tools.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../workers/runtime.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment } from '../harness/remediation.js';

// A control plane of its own: restarting its API server must not disturb other test files.
describe('watch disconnects', () => {
  let kube: StartedKube;
  let runtime: WorkerRuntime;
  let objects: KubeObjects;
  let workDir: string;
  const namespace = 'remediations';

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kube-restart-'));
    kube = await startKube(
      { etcd: (await resolveTool('etcd')).path, apiserver: (await resolveTool('kube-apiserver')).path },
      workDir,
    );
    const kc = loadKubeConfig(kube.kubeconfigPath);
    await installCrds(kc);
    await kubeClients(kc).core.createNamespace({ body: { metadata: { name: namespace } } });
    objects = new KubeObjects(kc);
    runtime = await startWorkerRuntime({
      temporalAddress: stackInfo().temporalAddress,
      temporalNamespace: stackInfo().temporalNamespace,
      databaseUrl: stackInfo().databaseUrl,
      kubeconfigPath: kube.kubeconfigPath,
      taskQueue: uniqueName('restart'),
      log: () => {},
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await kube?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const waitFor = (plural: string, name: string) =>
    eventually(`${plural}/${name}`, () => objects.get(plural, namespace, name), 60_000);

  it('kube-apiserver restarted mid-remediation → watchers resume and no child completion is missed', async () => {
    const rr = uniqueName('rr');
    await objects.create('remediationrequests', namespace, sampleRemediationRequest(namespace, rr) as never);
    await waitFor('signalprocessings', `sp-${rr}`);

    await kube.restartApiServer();

    // Completions written after the restart reach the workflow only through the resumed watches.
    await objects.mergeStatus('signalprocessings', namespace, `sp-${rr}`, completedEnrichment);
    await waitFor('aianalyses', `ai-${rr}`);
    await objects.mergeStatus('aianalyses', namespace, `ai-${rr}`, completedAnalysis(false));
    await waitFor('workflowexecutions', `we-${rr}`);
    await objects.mergeStatus('workflowexecutions', namespace, `we-${rr}`, { phase: 'Completed' });
    await waitFor('effectivenessassessments', `ea-${rr}`);
    await objects.mergeStatus('effectivenessassessments', namespace, `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'Full',
    });
    const done = await eventually(
      'the RR to complete',
      async () => {
        const o = await objects.get('remediationrequests', namespace, rr);
        return o?.status?.overallPhase === 'Completed' ? o : undefined;
      },
      60_000,
    );
    expect((done.status?.completionStatus as Record<string, string> | undefined)?.outcome).toBe('Remediated');
  });
});
