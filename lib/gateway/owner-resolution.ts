/**
 * Resolves the resource a signal names to its top-level controller (Pod → ReplicaSet
 * → Deployment, Pod → Job → CronJob, …) by following controller ownerReferences
 * through the Kubernetes API. Works for any kind the API server knows: the client's
 * discovery maps kind to resource path.
 */
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { statusOf } from '../kube/client.js';
import type { TargetResource } from '../remediation-request.js';
import type { OwnerResolution } from './signal.js';
import { isClusterScoped } from './target-kinds.js';

/** Deeper chains than this do not occur in practice; the bound stops a reference cycle. */
const MAX_DEPTH = 8;

export interface ResolvedOwner {
  owner: TargetResource;
  resolution: OwnerResolution;
  /** kind/name from the named resource up to the owner. */
  chain: string[];
  /** The owner's labels (for the scope rule); undefined when it was not found. */
  labels?: Record<string, string>;
}

type Read = (ref: TargetResource) => Promise<KubernetesObject | null>;

export function kubeReader(objects: KubernetesObjectApi): Read {
  return async (ref) => {
    try {
      return await objects.read({
        apiVersion: ref.apiVersion ?? 'v1',
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
      });
    } catch (err) {
      if (statusOf(err) === 404) return null;
      // Discovery does not know the kind: nothing of that kind can exist here.
      if (/Unrecognized API version and kind/i.test(String((err as Error)?.message))) return null;
      throw err;
    }
  };
}

const display = (r: TargetResource) => `${r.kind}/${r.name}`;

export async function resolveOwner(read: Read, target: TargetResource): Promise<ResolvedOwner> {
  const start = await read(target);
  if (!start) return { owner: target, resolution: 'fallback-not-found', chain: [display(target)] };
  let current = start;
  let ref: TargetResource = { ...target, apiVersion: start.apiVersion ?? target.apiVersion };
  const chain = [display(ref)];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const up = current.metadata?.ownerReferences?.find((o) => o.controller);
    if (!up) break;
    const next: TargetResource = {
      apiVersion: up.apiVersion,
      kind: up.kind,
      name: up.name,
      ...(isClusterScoped(up.kind) ? {} : { namespace: ref.namespace }),
    };
    let obj: KubernetesObject | null;
    try {
      obj = await read(next);
    } catch (err) {
      // Not allowed to read the owner's kind: the highest readable resource is the target.
      if (statusOf(err) === 403) break;
      throw err;
    }
    // An owner being garbage-collected (or never there) ends the chain where we are.
    if (!obj) break;
    current = obj;
    ref = next;
    chain.push(display(ref));
  }
  return { owner: ref, resolution: 'resolved', chain, labels: current.metadata?.labels ?? {} };
}
