/**
 * Every object of a kubernaut.ai kind, listed a page at a time: consistent reads that
 * never hold the whole kind in memory at once (10,000 parked remediations are 40,000
 * objects). The watchers' resync (child-resync.ts) and a watcher joining a running
 * informer (informer.ts) both list this way.
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../activities/kube-objects.js';
import { API_GROUP } from '../lib/domain.js';

/** Objects per list call: bounds what one page costs the worker and the apiserver. */
export const PAGE = 500;

/**
 * Hands each page's objects to `onPage`, in order, until the last page or `stopped()`.
 * A failed call (apiserver away, an expired continue token) rejects; the caller decides.
 */
export async function listInPages(
  kc: k8s.KubeConfig,
  plural: string,
  namespace: string | undefined,
  onPage: (items: KubeObject[]) => void,
  stopped: () => boolean = () => false,
): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  let cont: string | undefined;
  do {
    if (stopped()) return;
    const base = { group: API_GROUP, version: 'v1alpha1', plural, limit: PAGE, _continue: cont };
    const page = (await (namespace
      ? custom.listNamespacedCustomObject({ ...base, namespace })
      : custom.listClusterCustomObject(base))) as { items: KubeObject[]; metadata?: { continue?: string } };
    onPage(page.items);
    cont = page.metadata?.continue || undefined;
  } while (cont);
}
