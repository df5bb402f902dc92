/**
 * What a shared informer (informer.ts) keeps of each object it watches: its identity
 * and version, not the object. Handlers are handed objects whole; the store only has
 * to tell a change from a repeat and give a delete handler the object's identity when
 * a re-list finds it gone. With 10,000 remediations parked, whole copies were most of
 * the worker's heap (docs/performance.md, note 10).
 */
import type * as k8s from '@kubernetes/client-node';

/**
 * What the informer keeps of an object once its handlers have had it: its identity and
 * version (a later event at the same resourceVersion is a repeat, not a change), its
 * labels and owner (what a delete handler may read: chaos monitor, owner lookups) —
 * never spec, status or annotations. A delete found by a re-list hands this copy to
 * the delete handlers; every other delivery is of a whole object.
 */
export function cachedCopy(o: k8s.KubernetesObject): k8s.KubernetesObject {
  const m = o.metadata ?? {};
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.ownerReferences ? { ownerReferences: m.ownerReferences } : {}),
    },
  };
}

/** The informer's own store (client-node 1.x ListWatch: namespace → name → object). */
export type Store = Map<string, Map<string, k8s.KubernetesObject>>;
export const storeOf = (informer: unknown): Store | undefined => {
  const objects = (informer as { objects?: unknown }).objects;
  return objects instanceof Map ? (objects as Store) : undefined;
};

/**
 * Swaps the whole object just stored for its cachedCopy. The store is ListWatch's
 * own (it offers no transform); if a client-node upgrade moves it, the whole object
 * stays, which costs memory, not correctness (test/workflow/informer.test.ts notices).
 */
export function keepIdentityOnly(informer: unknown, o: k8s.KubernetesObject): void {
  const inNamespace = storeOf(informer)?.get(o.metadata?.namespace || '');
  const name = o.metadata?.name || '';
  if (inNamespace?.get(name) === o) inNamespace.set(name, cachedCopy(o));
}
