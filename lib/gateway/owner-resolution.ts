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

export interface OwnerCacheOptions {
  /** How long a resolution is reused; 0 reads the chain for every signal. */
  ttlMs: number;
  /** Resolutions kept at most (the oldest go first). */
  maxEntries?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

/** Resolutions are reused for this long by default. */
export const DEFAULT_OWNER_CACHE_TTL_MS = 5_000;

/**
 * resolveOwner with a short-lived memory, for bursts of signals about the same
 * resource (a crash-looping pod's alerts, a flood of events): one chain walk serves
 * them all, and concurrent lookups of one resource share a single walk.
 *
 * What staleness can do, and its bound: the fingerprint comes from the owner, so a
 * resolution reused after the owner changed (an orphaned ReplicaSet adopted by
 * another Deployment, a resource deleted and re-created under another controller)
 * counts the signal against the previous owner's RR, for at most `ttlMs` after the
 * walk started; a change of the scope label likewise takes up to `ttlMs` to apply.
 * The dedup decision itself is never cached here: which RR answers for a fingerprint
 * is always the claim's, and whether it is still open the RR's. Only complete walks
 * are kept: "not found" is read again each time, since the resource may appear.
 */
export class OwnerResolver {
  private readonly cache = new Map<string, { at: number; value: ResolvedOwner }>();
  private readonly walks = new Map<string, Promise<ResolvedOwner>>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(
    private readonly read: Read,
    private readonly opts: OwnerCacheOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  resolve(target: TargetResource): Promise<ResolvedOwner> {
    if (this.opts.ttlMs <= 0) return resolveOwner(this.read, target);
    const key = JSON.stringify([target.apiVersion ?? '', target.kind, target.namespace ?? '', target.name]);
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.opts.ttlMs) return Promise.resolve(hit.value);
    if (hit) this.cache.delete(key);
    const running = this.walks.get(key);
    if (running) return running;
    const startedAt = this.now();
    const walk = resolveOwner(this.read, target)
      .then((value) => {
        if (value.resolution === 'resolved') {
          this.cache.set(key, { at: startedAt, value });
          if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
        }
        return value;
      })
      .finally(() => this.walks.delete(key));
    this.walks.set(key, walk);
    return walk;
  }
}
