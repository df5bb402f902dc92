/**
 * A list+watch of one kubernaut.ai kind across namespaces that survives
 * disconnects: client-node's informer re-lists and resumes from the last
 * resourceVersion (handling 410 Gone); on an error we restart it after a pause.
 *
 * One informer per kind (and namespace) per KubeConfig, shared by every watcher of
 * that kind in the process: the launcher and the metrics watch RRs, the child
 * watchers and the built-in controllers watch the same children. Each informer keeps
 * a copy of every object it watches, so with one per consumer a worker held two
 * copies of every RR and child, tens of kB per remediation in flight or parked
 * (docs/performance.md, note 5). Sharing keeps one copy and one watch connection.
 *
 * What each watcher sees is what it saw with an informer of its own: an upsert for
 * every object there is (a watcher that joins a running informer gets the cached
 * ones replayed before its `ready`), then every change. A watcher may see an object
 * twice with nothing changed (as after any re-list), so handlers stay idempotent.
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

interface Watcher {
  handlers: WatchHandlers;
  log: (msg: string) => void;
}

interface Shared {
  informer: k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>;
  watchers: Set<Watcher>;
  /** The first list has come back: a watcher joining now gets the cache replayed. */
  listed: boolean;
  ready: Promise<void>;
  stop(): Promise<void>;
}

const shared = new WeakMap<k8s.KubeConfig, Map<string, Shared>>();

/** How many informers this KubeConfig has running (one per kind and namespace watched). */
export function runningInformers(kc: k8s.KubeConfig): number {
  return shared.get(kc)?.size ?? 0;
}

export function watchKind(
  kc: k8s.KubeConfig,
  plural: string,
  handlers: WatchHandlers,
  log: (msg: string) => void,
  namespace?: string,
): RunningInformer {
  const byKey = shared.get(kc) ?? new Map<string, Shared>();
  shared.set(kc, byKey);
  const key = `${namespace ?? '*'}/${plural}`;
  let s = byKey.get(key);
  const joining = s?.listed === true;
  if (!s) {
    s = startShared(kc, plural, namespace);
    byKey.set(key, s);
  }
  const it = s;
  const watcher: Watcher = { handlers, log };
  it.watchers.add(watcher);
  // Joined after the first list was delivered: replay what is cached, as that list would have.
  const ready = joining
    ? it.ready.then(() => {
        for (const o of it.informer.list()) deliver(watcher, 'onUpsert', o as unknown as KubeObject);
      })
    : it.ready;
  let left = false;
  return {
    ready,
    async stop() {
      if (left) return;
      left = true;
      it.watchers.delete(watcher);
      if (it.watchers.size > 0) return;
      if (byKey.get(key) === it) byKey.delete(key);
      await it.stop();
    },
  };
}

function startShared(kc: k8s.KubeConfig, plural: string, namespace?: string): Shared {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const path = namespace
    ? `/apis/${API_GROUP}/v1alpha1/namespaces/${namespace}/${plural}`
    : `/apis/${API_GROUP}/v1alpha1/${plural}`;
  const list = async () => {
    const out = (await (namespace
      ? custom.listNamespacedCustomObject({ group: API_GROUP, version: 'v1alpha1', namespace, plural })
      : custom.listClusterCustomObject({
          group: API_GROUP,
          version: 'v1alpha1',
          plural,
        }))) as k8s.KubernetesListObject<k8s.KubernetesObject>;
    // The informer hands these out right after: whoever joins from here on gets a replay.
    s.listed = true;
    return out;
  };
  const informer = k8s.makeInformer(kc, path, list);
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const fanOut = (event: keyof WatchHandlers) => (o: k8s.KubernetesObject) => {
    const obj = slim(o);
    for (const w of [...s.watchers]) deliver(w, event, obj);
  };
  informer.on('add', fanOut('onUpsert'));
  informer.on('update', fanOut('onUpsert'));
  informer.on('delete', fanOut('onDelete'));
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    const e = err as { code?: number; message?: string };
    const why = e?.code ? `HTTP ${e.code}` : String(e?.message ?? err).split('\n')[0];
    // Said once, by the watcher that has been there longest.
    s.watchers.values().next().value?.log(`watch ${plural} interrupted (${why}); restarting`);
    workerMetrics.watchRestarts.inc({ resource: plural });
    restartTimer = setTimeout(() => {
      if (!stopped) informer.start().catch(() => {});
    }, 1000);
  });
  const s: Shared = {
    informer,
    watchers: new Set(),
    listed: false,
    ready: informer.start(),
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      await informer.stop();
    },
  };
  return s;
}

/**
 * One watcher's handler, kept from the others: a handler that throws would otherwise
 * cut short the informer's delivery of that event to every later watcher.
 */
function deliver(w: Watcher, event: keyof WatchHandlers, obj: KubeObject): void {
  try {
    w.handlers[event]?.(obj);
  } catch (err) {
    w.log(`watch handler failed on ${obj.metadata?.namespace}/${obj.metadata?.name}: ${String(err)}`);
  }
}

/**
 * Drops metadata.managedFields from the informer's cached object (the handlers get
 * the cached object itself). Nothing here reads them, and they are often as large as
 * the rest of the object: the worker caches one copy of every watched object,
 * thousands with many remediations in flight. Applies to every later version too,
 * since each event hands over the object that replaces the cached one.
 */
function slim(o: k8s.KubernetesObject): KubeObject {
  if (o.metadata?.managedFields) delete o.metadata.managedFields;
  return o as unknown as KubeObject;
}
