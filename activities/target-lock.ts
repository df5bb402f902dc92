/**
 * The per-target lock (DESIGN §5.5 ResourceBusy, §14 I2): a coordination.k8s.io
 * Lease per target, named from the target and held by the name of the RR that
 * executes on it, so only one remediation executes on a target at a time, even
 * across worker crashes. A holder that is terminal or deleted, and whose execution
 * left nothing running, is stale, and the next taker replaces it.
 */
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { isTerminalPhase } from '../lib/domain.js';
import { bundleJobNamespace, bundleJobRunning, statusSaysStopped } from '../lib/execution-stop.js';
import { childName } from '../lib/kinds.js';
import { isConflict, isNotFound, kubeClients } from '../lib/kube/client.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { KubeObject } from './kube-objects.js';

/** How long a failed or cancelled execution that has not confirmed its stop still holds the target. */
const STOP_GRACE_MS = 60_000;

export interface LockRef {
  namespace: string;
  /** The RR taking, holding or releasing the lock. */
  name: string;
  target: TargetResource;
}

/** The Lease of a target (its name: a hash of the target, which may be long). */
export const targetLockName = (target: TargetResource) =>
  `kubernaut-target-${createHash('sha256').update(targetDisplay(target)).digest('hex').slice(0, 20)}`;

export function createTargetLock(kc: k8s.KubeConfig) {
  const { custom } = kubeClients(kc);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);

  async function readLease(ref: LockRef): Promise<k8s.V1Lease | undefined> {
    try {
      return await coordination.readNamespacedLease({
        name: targetLockName(ref.target),
        namespace: ref.namespace,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Is the RR holding a lock still acting? A running holder is. A terminal or deleted
   * one is stale — but only once nothing its execution started still runs (I2): a
   * holder that ended while its bundle Job could not be confirmed stopped kept the
   * lock for this check, which looks at the Job itself.
   */
  async function holderActive(ref: LockRef, holder: string | undefined): Promise<boolean> {
    if (!holder) return false;
    try {
      const rr = (await custom.getNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace: ref.namespace,
        plural: 'remediationrequests',
        name: holder,
      })) as KubeObject;
      if (!isTerminalPhase(rr.status?.overallPhase as string | undefined)) return true;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // A holder that ended or was deleted still acts while its execution has not
    // confirmed it stopped (I2) — for a bounded grace after it was failed or
    // cancelled, since a controller that never writes Stopped (Kubernaut's own) must
    // not keep the target locked for ever; after that only a running Job keeps it.
    const weName = childName('WorkflowExecution', holder);
    const we = await readExecution(ref.namespace, weName);
    if (we && !statusSaysStopped(we.status ?? {})) {
      const ended = Date.parse(String(we.status?.completionTime ?? ''));
      if (!(we.status?.phase === 'Failed' && ended && Date.now() - ended > STOP_GRACE_MS)) return true;
    }
    const jobNamespace = bundleJobNamespace(ref.target.namespace, ref.namespace);
    return bundleJobRunning(kc, jobNamespace, weName);
  }

  async function readExecution(namespace: string, name: string): Promise<KubeObject | null> {
    try {
      return (await custom.getNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace,
        plural: 'workflowexecutions',
        name,
      })) as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  return {
    /** The other, still running RR that holds the lock, if any. Read-only. */
    async otherActiveHolder(ref: LockRef): Promise<string | undefined> {
      const holder = (await readLease(ref))?.spec?.holderIdentity;
      if (!holder || holder === ref.name) return undefined;
      return (await holderActive(ref, holder)) ? holder : undefined;
    },

    /**
     * Takes the lock for `ref.name`; answers the active holder that keeps it instead.
     * Idempotent: a Lease we already hold is ours; create is atomic (409 for the
     * loser); taking over a stale holder is an update checked against the Lease's
     * resourceVersion, so two takers cannot both win.
     */
    async acquire(ref: LockRef): Promise<string | undefined> {
      const name = targetLockName(ref.target);
      const body: k8s.V1Lease = {
        metadata: { name, namespace: ref.namespace, labels: { 'kubernaut.ai/target-lock': 'true' } },
        spec: { holderIdentity: ref.name, acquireTime: new k8s.V1MicroTime() },
      };
      for (let attempt = 0; attempt < 5; attempt++) {
        const lease = await readLease(ref);
        if (!lease) {
          try {
            await coordination.createNamespacedLease({ namespace: ref.namespace, body });
            return undefined;
          } catch (e) {
            if (isConflict(e)) continue;
            throw e;
          }
        }
        const holder = lease.spec?.holderIdentity;
        if (holder === ref.name) return undefined;
        if (await holderActive(ref, holder)) return holder;
        try {
          lease.spec = { ...lease.spec, holderIdentity: ref.name, acquireTime: new k8s.V1MicroTime() };
          await coordination.replaceNamespacedLease({ name, namespace: ref.namespace, body: lease });
          return undefined;
        } catch (e) {
          if (!isConflict(e)) throw e;
        }
      }
      return 'another remediation';
    },

    /**
     * Releases the lock if `ref.name` holds it; true if it did. Idempotent: a missing
     * Lease or one held by another RR is left alone, and the delete is conditioned on
     * our read's resourceVersion, so of two racing releases one fails its
     * precondition, and a Lease taken by another RR in between is never deleted.
     */
    async release(ref: LockRef): Promise<boolean> {
      const lease = await readLease(ref);
      if (lease?.spec?.holderIdentity !== ref.name) return false;
      try {
        await coordination.deleteNamespacedLease({
          name: targetLockName(ref.target),
          namespace: ref.namespace,
          body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
        });
        return true;
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) return false;
        throw err;
      }
    },
  };
}
