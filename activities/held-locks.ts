/**
 * Target locks (coordination.k8s.io Leases labelled kubernaut.ai/target-lock) found
 * by their holder rather than by their target: what a run that ended without
 * finishing leaves behind, and only its RR's name says which ones.
 */
import * as k8s from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../lib/kube/client.js';

export const TARGET_LOCK_LABEL = 'kubernaut.ai/target-lock';

export function createHeldLockActivities(kc: k8s.KubeConfig) {
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  return {
    /**
     * Releases every target lock in `namespace` held by the RR `name`. Idempotent:
     * a Lease is deleted only while this RR holds it (delete conditioned on the
     * resourceVersion read), so a repeat finds nothing of this RR's, and a Lease
     * taken by another RR in between is left to it.
     */
    async releaseLocksHeldBy(input: { namespace: string; name: string }): Promise<number> {
      const leases = await coordination.listNamespacedLease({
        namespace: input.namespace,
        labelSelector: `${TARGET_LOCK_LABEL}=true`,
      });
      let released = 0;
      for (const lease of leases.items) {
        if (lease.spec?.holderIdentity !== input.name) continue;
        try {
          await coordination.deleteNamespacedLease({
            name: lease.metadata!.name!,
            namespace: input.namespace,
            body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
          });
          released++;
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
      return released;
    },
  };
}

export type HeldLockActivities = ReturnType<typeof createHeldLockActivities>;
