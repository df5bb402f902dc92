/**
 * A list+watch of one kubernaut.ai kind across namespaces that survives
 * disconnects: client-node's informer re-lists and resumes from the last
 * resourceVersion (handling 410 Gone); on an error we restart it after a pause.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../activities/kube-objects.js';
import { API_GROUP } from '../lib/domain.js';
import { workerMetrics } from './metrics.js';

export interface WatchHandlers {
  onUpsert?(obj: KubeObject): void;
  onDelete?(obj: KubeObject): void;
}

export interface RunningInformer {
  stop(): Promise<void>;
  /** Resolves after the first list has been delivered. */
  ready: Promise<void>;
}

export function watchKind(
  kc: k8s.KubeConfig,
  plural: string,
  handlers: WatchHandlers,
  log: (msg: string) => void,
  namespace?: string,
): RunningInformer {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const path = namespace
    ? `/apis/${API_GROUP}/v1alpha1/namespaces/${namespace}/${plural}`
    : `/apis/${API_GROUP}/v1alpha1/${plural}`;
  const list = () =>
    (namespace
      ? custom.listNamespacedCustomObject({ group: API_GROUP, version: 'v1alpha1', namespace, plural })
      : custom.listClusterCustomObject({ group: API_GROUP, version: 'v1alpha1', plural })) as Promise<
      k8s.KubernetesListObject<k8s.KubernetesObject>
    >;
  const informer = k8s.makeInformer(kc, path, list);
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const upsert = (o: k8s.KubernetesObject) => handlers.onUpsert?.(slim(o));
  informer.on('add', upsert);
  informer.on('update', upsert);
  informer.on('delete', (o) => handlers.onDelete?.(slim(o)));
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    const e = err as { code?: number; message?: string };
    const why = e?.code ? `HTTP ${e.code}` : String(e?.message ?? err).split('\n')[0];
    log(`watch ${plural} interrupted (${why}); restarting`);
    workerMetrics.watchRestarts.inc({ resource: plural });
    restartTimer = setTimeout(() => {
      if (!stopped) informer.start().catch(() => {});
    }, 1000);
  });
  const ready = informer.start();
  return {
    ready,
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}

/**
 * Drops metadata.managedFields from the informer's cached object (the handlers get
 * the cached object itself). Nothing here reads them, and they are often as large as
 * the rest of the object: the worker caches one copy of every watched object per
 * informer, thousands with many remediations in flight. Applies to every later
 * version too, since each event hands over the object that replaces the cached one.
 */
function slim(o: k8s.KubernetesObject): KubeObject {
  if (o.metadata?.managedFields) delete o.metadata.managedFields;
  return o as unknown as KubeObject;
}
