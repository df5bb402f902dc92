/**
 * The embedded control plane has no scheduler and no kubelet, so Pods stay Pending
 * and a Deployment never becomes available. For the demo's sample Deployment only,
 * this stand-in does the kubelet's part: it marks each Pod of one namespace Running
 * and Ready. Against a real cluster (KUBECONFIG set) it is not started.
 */
import * as k8s from '@kubernetes/client-node';
import { kubeRequest } from '../../lib/kube/raw.js';

export function startKubeletStandIn(kc: k8s.KubeConfig, namespace: string): { stop(): Promise<void> } {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ready = new Set<string>();
  const markReady = async (pod: k8s.V1Pod) => {
    const name = pod.metadata?.name;
    if (!name || ready.has(name) || pod.metadata?.deletionTimestamp) return;
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      return void ready.add(name);
    ready.add(name);
    const now = new Date().toISOString();
    await kubeRequest(
      kc,
      'PATCH',
      `/api/v1/namespaces/${namespace}/pods/${name}/status`,
      {
        status: {
          phase: 'Running',
          startTime: now,
          conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
            type,
            status: 'True',
            lastTransitionTime: now,
          })),
        },
      },
      'application/merge-patch+json',
    ).catch(() => ready.delete(name));
  };
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () =>
    core.listNamespacedPod({ namespace }),
  );
  informer.on('add', (p) => void markReady(p));
  informer.on('update', (p) => void markReady(p));
  informer.on('error', () => setTimeout(() => informer.start().catch(() => {}), 1000));
  void informer.start();
  return { stop: () => informer.stop() };
}
