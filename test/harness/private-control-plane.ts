/**
 * A control plane of a test file's own (etcd + kube-apiserver, CRDs installed, one
 * namespace) with a worker runtime on it, for tests that restart the API server:
 * restarting the shared one would disturb every other test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { KubeObjects } from '../../activities/kube-objects.js';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { installCrds } from '../../lib/kube/install-crds.js';
import { type StartedKube, startKube } from '../../stack/kube.js';
import { resolveTool } from '../../stack/tools.js';
import { startWorkerRuntime, type WorkerRuntime, type WorkerRuntimeConfig } from '../../workers/runtime.js';
import { stackInfo, uniqueName } from './index.js';

export interface PrivateControlPlane {
  readonly namespace: string;
  readonly kube: StartedKube;
  readonly objects: KubeObjects;
  readonly runtime: WorkerRuntime;
}

/** Starts it in beforeAll and stops it in afterAll; read the fields inside tests. */
export function usePrivateControlPlane(
  runtimeConfig: Partial<WorkerRuntimeConfig> = {},
  namespace = 'remediations',
  /** The CRDs to install (default ours; e.g. Kubernaut's own for compatibility). */
  opts: { crdDir?: string } = {},
): PrivateControlPlane {
  const plane = { namespace } as { -readonly [K in keyof PrivateControlPlane]: PrivateControlPlane[K] };
  let workDir: string;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kube-private-'));
    plane.kube = await startKube(
      { etcd: (await resolveTool('etcd')).path, apiserver: (await resolveTool('kube-apiserver')).path },
      workDir,
    );
    const kc = loadKubeConfig(plane.kube.kubeconfigPath);
    await installCrds(kc, opts.crdDir);
    await kubeClients(kc).core.createNamespace({ body: { metadata: { name: namespace } } });
    plane.objects = new KubeObjects(kc);
    plane.runtime = await startWorkerRuntime({
      temporalAddress: stackInfo().temporalAddress,
      temporalNamespace: stackInfo().temporalNamespace,
      databaseUrl: stackInfo().databaseUrl,
      kubeconfigPath: plane.kube.kubeconfigPath,
      taskQueue: uniqueName('private'),
      log: () => {},
      ...runtimeConfig,
    });
  });
  afterAll(async () => {
    await plane.runtime?.stop();
    await plane.kube?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });
  return plane;
}
