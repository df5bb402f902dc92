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
 * every object there is, then every change. A watcher may see an object twice with
 * nothing changed (as after any re-list), so handlers stay idempotent.
 *
 * The copy kept is small: handlers get each object whole, as the watch or list
 * delivered it, but the informer keeps only its identity (informer-store.ts) — what it
 * needs to tell a change from a repeat (the resourceVersion) and what a delete handler
 * reads when a re-list finds an object gone. With 10,000 remediations parked, whole
 * copies were most of the worker's heap (docs/performance.md, note 10). So a watcher
 * that joins a running informer is not replayed the cache: it gets a list of its own
 * before its `ready`, of which it is handed each object the informer holds at that
 * same version — an object the list holds at another version reaches it through the
 * shared watch instead, so it never sees a version older than one it has seen.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../activities/kube-objects.js';
import { API_GROUP } from '../lib/domain.js';
import { keepIdentityOnly, storeOf } from './informer-store.js';
import { listInPages } from './list-pages.js';
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
  // Joined after the first list was delivered: a list of its own, as that list would have been.
  const ready = joining ? it.ready.then(() => catchUp(kc, plural, namespace, it, watcher)) : it.ready;
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
    if (event === 'onUpsert') keepIdentityOnly(informer, o);
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
 * Drops metadata.managedFields from the object the handlers get: nothing here reads
 * them, and they are often as large as the rest of the object.
 */
function slim(o: k8s.KubernetesObject): KubeObject {
  if (o.metadata?.managedFields) delete o.metadata.managedFields;
  return o as unknown as KubeObject;
}

/** The copy the informer keeps of an object (undefined: none), for tests. */
export function cachedObject(
  kc: k8s.KubeConfig,
  plural: string,
  namespace: string | undefined,
  obj: { namespace?: string; name: string },
): k8s.KubernetesObject | undefined {
  const s = shared.get(kc)?.get(`${namespace ?? '*'}/${plural}`);
  return s
    ? storeOf(s.informer)
        ?.get(obj.namespace || '')
        ?.get(obj.name)
    : undefined;
}

/**
 * A late joiner's first list: every object there is, a page at a time, each handed to
 * it if the informer holds that object at the same version. At another version, the
 * shared watch is delivering the other one (newer: to this watcher too, since it joined
 * before this list began; older: the watch has yet to bring this one). Not held at all:
 * deleted since (its delete went to every watcher) or not yet seen (its add will come).
 */
async function catchUp(
  kc: k8s.KubeConfig,
  plural: string,
  namespace: string | undefined,
  s: Shared,
  w: Watcher,
): Promise<void> {
  await listInPages(kc, plural, namespace, (items) => {
    const store = storeOf(s.informer);
    for (const o of items) {
      const held = store?.get(o.metadata.namespace || '')?.get(o.metadata.name || '');
      // No store to compare with (see keepIdentityOnly): hand over all, as a re-list would.
      if (!store || held?.metadata?.resourceVersion === o.metadata.resourceVersion)
        deliver(w, 'onUpsert', slim(o as unknown as k8s.KubernetesObject));
    }
  });
}
