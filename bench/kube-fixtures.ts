/**
 * Kubernetes objects the end-to-end figures need: a namespace with an environment
 * label (which decides approval), Deployments with zero replicas as targets (the
 * SignalProcessing controller reads them; zero replicas means no pods to schedule),
 * and RemediationRequests shaped as the gateway creates them. Bounded concurrency.
 */
import { createHash } from 'node:crypto';
import { type KubeObject, KubeObjects } from '../activities/kube-objects.js';
import { API_VERSION } from '../lib/domain.js';
import { kubeClients, loadKubeConfig } from '../lib/kube/client.js';

/**
 * Timeouts for RRs that must stay parked on approval while the rest are created: long
 * enough that none expires first (1,000 take 15 min on a loaded machine, 10,000 over an
 * hour). No wake depends on them: a parked wait's only timer is its deadline.
 */
export const PARKED_TIMEOUTS = {
  'kubernaut.ai/timeout-global': '6h',
  'kubernaut.ai/timeout-awaitingApproval': '6h',
};

export async function inBatches<T>(items: T[], width: number, f: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(f));
}

export function benchKube(kubeconfigPath: string) {
  const clients = kubeClients(loadKubeConfig(kubeconfigPath));
  const objects = new KubeObjects(clients.kc);
  return {
    objects,
    async namespace(name: string, environment: string) {
      await clients.core.createNamespace({
        body: {
          metadata: {
            name,
            labels: { 'kubernaut.ai/environment': environment, 'kubernaut.ai/bench': 'true' },
          },
        },
      });
    },
    deleteNamespace: (name: string) => clients.core.deleteNamespace({ name }).catch(() => {}),
    deployments: (namespace: string, names: string[]) =>
      inBatches(names, 10, (name) =>
        clients.apps.createNamespacedDeployment({
          namespace,
          body: {
            metadata: { name, labels: { app: name } },
            spec: {
              replicas: 0,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
              },
            },
          },
        }),
      ),
    /**
     * One RR for a crash-looping Deployment; a fingerprint of its own, so routing never
     * holds it back. `annotations` may set its timeouts (`kubernaut.ai/timeout-<phase>`).
     */
    remediationRequest(
      namespace: string,
      name: string,
      target: string,
      annotations?: Record<string, string>,
    ) {
      const now = new Date().toISOString();
      return objects.create('remediationrequests', namespace, {
        apiVersion: API_VERSION,
        kind: 'RemediationRequest',
        metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
        spec: {
          signalFingerprint: createHash('sha256').update(`${namespace}:Deployment:${target}`).digest('hex'),
          signalName: 'KubePodCrashLooping',
          severity: 'critical',
          signalType: 'alert',
          signalSource: 'prometheus',
          targetType: 'kubernetes',
          targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: target, namespace },
          firingTime: now,
          receivedTime: now,
          signalLabels: { alertname: 'KubePodCrashLooping', severity: 'critical' },
          signalAnnotations: { summary: `deployment ${target} is crash looping` },
        },
      } as KubeObject);
    },
    async remediationRequests(namespace: string): Promise<KubeObject[]> {
      const list = (await clients.custom.listNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace,
        plural: 'remediationrequests',
      })) as { items: KubeObject[] };
      return list.items;
    },
  };
}
