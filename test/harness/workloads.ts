/**
 * Real workloads for controller tests, and playing the kubelet. The local
 * cluster runs the deployment and replicaset controllers but no scheduler or
 * kubelet, so Pods stay Pending; `markPodsReady` writes the status a kubelet would
 * (Running, Ready) so the ReplicaSet and Deployment controllers count them
 * available.
 */
import { kubeRequest } from '../../lib/kube/raw.js';
import { eventually, kube } from './index.js';

export async function createDeployment(
  namespace: string,
  name: string,
  opts: { replicas?: number; labels?: Record<string, string> } = {},
) {
  const { apps } = kube();
  return apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels: { app: name, ...opts.labels } },
      spec: {
        replicas: opts.replicas ?? 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx:1.27',
                resources: { requests: { memory: '64Mi' }, limits: { memory: '128Mi' } },
              },
            ],
          },
        },
      },
    },
  });
}

/** Plays the kubelet: every Pending pod of the app (or of the namespace) becomes Running and Ready. */
export async function markPodsReady(namespace: string, app?: string): Promise<number> {
  const { core } = kube();
  const pods = await core.listNamespacedPod({ namespace, ...(app ? { labelSelector: `app=${app}` } : {}) });
  let marked = 0;
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Running') continue;
    const now = new Date().toISOString();
    const ready = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
    await kubeRequest(
      kube().kc,
      'PATCH',
      `/api/v1/namespaces/${namespace}/pods/${pod.metadata!.name}/status`,
      {
        status: {
          phase: 'Running',
          startTime: now,
          conditions: [ready('PodScheduled'), ready('Initialized'), ready('ContainersReady'), ready('Ready')],
        },
      },
      'application/merge-patch+json',
    );
    marked++;
  }
  return marked;
}

/**
 * Keeps marking the app's pods ready until its Deployment has rolled out: the
 * current generation observed, every replica updated and available.
 */
export async function rollOut(namespace: string, name: string, timeoutMs = 30_000) {
  const { apps } = kube();
  return eventually(
    `Deployment ${namespace}/${name} to roll out`,
    async () => {
      await markPodsReady(namespace, name);
      const d = await apps.readNamespacedDeployment({ namespace, name });
      const want = d.spec?.replicas ?? 1;
      const s = d.status ?? {};
      return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (s.updatedReplicas ?? 0) === want &&
        (s.availableReplicas ?? 0) === want &&
        (s.replicas ?? 0) === want
        ? d
        : undefined;
    },
    timeoutMs,
    200,
  );
}

export async function labelNamespace(namespace: string, labels: Record<string, string>) {
  await kubeRequest(
    kube().kc,
    'PATCH',
    `/api/v1/namespaces/${namespace}`,
    { metadata: { labels } },
    'application/merge-patch+json',
  );
}

/**
 * Plays the kubelet in the background for one app: marks its pods Ready as the
 * Deployment and ReplicaSet controllers create them, until stopped.
 */
export function playKubelet(namespace: string, app: string, everyMs = 200): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await markPodsReady(namespace, app).catch(() => 0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
