/**
 * The owner chain of an object: follow controller ownerReferences upwards
 * (Pod → ReplicaSet → Deployment, Pod → StatefulSet/DaemonSet, Pod → Job →
 * CronJob) until an object has no controller. Read-only.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { isKnownKind, type RawObject, readObject } from './target.js';

export interface OwnerChainEntry {
  api_version?: string;
  kind: string;
  name: string;
  namespace?: string;
}

const MAX_DEPTH = 5;

/**
 * Entries from the direct owner to the top-level controller (the object itself is
 * not in the chain). An owner that is gone or of a kind we cannot read ends the
 * chain there, still listed, since its ownerReference names it.
 */
export async function resolveOwnerChain(
  kc: KubeConfig,
  obj: RawObject,
  namespace: string | undefined,
): Promise<{ chain: OwnerChainEntry[]; top: RawObject }> {
  const chain: OwnerChainEntry[] = [];
  let current = obj;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const ref =
      current.metadata.ownerReferences?.find((r) => r.controller) ?? current.metadata.ownerReferences?.[0];
    if (!ref) break;
    chain.push({
      api_version: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      ...(namespace ? { namespace } : {}),
    });
    if (!isKnownKind(ref.kind)) break;
    const owner = await readObject(kc, { kind: ref.kind, name: ref.name, namespace });
    if (!owner || owner.metadata.uid !== ref.uid) break;
    current = owner;
  }
  return { chain, top: current };
}
