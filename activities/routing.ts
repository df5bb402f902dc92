/**
 * Routing checks before execution (DESIGN §5.5), read from the RemediationRequests
 * in the cluster — their terminal statuses are the durable history — and a per-target
 * lock held as a coordination.k8s.io Lease, so only one remediation executes on a
 * target at a time, even across worker crashes.
 */
import { createHash } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { isTerminalPhase } from '../lib/domain.js';
import { isConflict, isNotFound, kubeClients } from '../lib/kube/client.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { KubeObject } from './kube-objects.js';

export interface RoutingRules {
  consecutiveFailureThreshold: number;
  consecutiveFailureBlockMs: number;
  recentlyRemediatedCooldownMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_ROUTING_RULES: RoutingRules = {
  consecutiveFailureThreshold: 3,
  consecutiveFailureBlockMs: 3_600_000,
  recentlyRemediatedCooldownMs: 300_000,
  backoffBaseMs: 60_000,
  backoffMaxMs: 600_000,
};

export interface RoutingInput {
  namespace: string;
  name: string;
  uid: string;
  fingerprint: string;
  target: TargetResource;
  workflowId: string;
  rules?: Partial<RoutingRules>;
}

export interface RoutingBlock {
  reason:
    | 'DuplicateInProgress'
    | 'ResourceBusy'
    | 'ConsecutiveFailures'
    | 'RecentlyRemediated'
    | 'ExponentialBackoff';
  message: string;
  blockedUntil?: string;
  duplicateOf?: string;
  blockingRemediation?: string;
  consecutiveFailureCount?: number;
}

const FAILED = ['Failed', 'TimedOut'];
const lockName = (target: TargetResource) =>
  `kubernaut-target-${createHash('sha256').update(targetDisplay(target)).digest('hex').slice(0, 20)}`;

export function createRoutingActivities(kc: k8s.KubeConfig) {
  const { custom } = kubeClients(kc);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);

  async function listRemediations(namespace: string): Promise<KubeObject[]> {
    const list = (await custom.listNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace,
      plural: 'remediationrequests',
    })) as { items: KubeObject[] };
    return list.items;
  }

  /** Is the RR holding a lock still running? A terminal or deleted holder is stale. */
  async function holderActive(namespace: string, holder: string | undefined): Promise<boolean> {
    if (!holder) return false;
    try {
      const rr = (await custom.getNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace,
        plural: 'remediationrequests',
        name: holder,
      })) as KubeObject;
      return !isTerminalPhase(rr.status?.overallPhase as string | undefined);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Takes the target lock for this RR. Idempotent: a Lease we already hold is ours;
   * create is atomic (409 for the loser); taking over a stale holder is an update
   * checked against the Lease's resourceVersion, so two takers cannot both win.
   */
  async function acquireLock(input: RoutingInput): Promise<string | undefined> {
    const name = lockName(input.target);
    const body: k8s.V1Lease = {
      metadata: { name, namespace: input.namespace, labels: { 'kubernaut.ai/target-lock': 'true' } },
      spec: { holderIdentity: input.name, acquireTime: new k8s.V1MicroTime() },
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      let lease: k8s.V1Lease;
      try {
        lease = await coordination.readNamespacedLease({ name, namespace: input.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        try {
          await coordination.createNamespacedLease({ namespace: input.namespace, body });
          return undefined;
        } catch (e) {
          if (isConflict(e)) continue;
          throw e;
        }
      }
      const holder = lease.spec?.holderIdentity;
      if (holder === input.name) return undefined;
      if (await holderActive(input.namespace, holder)) return holder;
      try {
        lease.spec = { ...lease.spec, holderIdentity: input.name, acquireTime: new k8s.V1MicroTime() };
        await coordination.replaceNamespacedLease({ name, namespace: input.namespace, body: lease });
        return undefined;
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    return 'another remediation';
  }

  return {
    /**
     * Evaluates the routing rules in Kubernaut's order and, when nothing blocks,
     * takes the target lock. Read-only except for the lock (idempotent, see above).
     */
    async evaluateRouting(input: RoutingInput): Promise<RoutingBlock | null> {
      const rules = { ...DEFAULT_ROUTING_RULES, ...input.rules };
      const now = Date.now();
      const all = await listRemediations(input.namespace);
      const self = all.find((r) => r.metadata.uid === input.uid);
      const created = (r: KubeObject) =>
        Date.parse((r.metadata as { creationTimestamp?: string }).creationTimestamp ?? '0');
      // creationTimestamp has 1 s resolution; within one second the workflow's start
      // time (status.startTime, ms) orders the two, then the name.
      const started = (r: KubeObject) => Date.parse((r.status?.startTime as string) ?? '') || Infinity;
      const olderThan = (r: KubeObject, o: KubeObject) =>
        created(r) !== created(o)
          ? created(r) < created(o)
          : started(r) !== started(o)
            ? started(r) < started(o)
            : r.metadata.name < o.metadata.name;
      const sameFingerprint = all.filter(
        (r) => r.metadata.uid !== input.uid && r.spec?.signalFingerprint === input.fingerprint,
      );
      const finished = sameFingerprint
        .filter((r) => isTerminalPhase(r.status?.overallPhase as string) && r.status?.completedAt)
        .sort(
          (a, b) => Date.parse(b.status!.completedAt as string) - Date.parse(a.status!.completedAt as string),
        );

      let failures = 0;
      for (const r of finished) {
        if (!FAILED.includes(r.status?.overallPhase as string)) break;
        failures++;
      }
      const lastFailureAt = failures ? Date.parse(finished[0]!.status!.completedAt as string) : 0;
      if (
        failures >= rules.consecutiveFailureThreshold &&
        now < lastFailureAt + rules.consecutiveFailureBlockMs
      ) {
        return {
          reason: 'ConsecutiveFailures',
          message: `${failures} consecutive failed remediations for this signal; blocked for ${rules.consecutiveFailureBlockMs / 60000} min`,
          blockedUntil: new Date(lastFailureAt + rules.consecutiveFailureBlockMs).toISOString(),
          consecutiveFailureCount: failures,
        };
      }

      const olderOpen = sameFingerprint
        .filter((r) => !isTerminalPhase(r.status?.overallPhase as string))
        .filter((r) => !self || olderThan(r, self))
        .sort((a, b) => created(a) - created(b))[0];
      if (olderOpen) {
        return {
          reason: 'DuplicateInProgress',
          message: `${olderOpen.metadata.name} is already remediating this signal; this one inherits its outcome`,
          duplicateOf: olderOpen.metadata.name,
        };
      }

      const holder = await acquireLock(input);
      if (holder) {
        return {
          reason: 'ResourceBusy',
          message: `${holder} is remediating ${targetDisplay(input.target)}; waiting for it to finish`,
          blockingRemediation: holder,
        };
      }

      const recent = all.find(
        (r) =>
          r.metadata.uid !== input.uid &&
          r.status?.overallPhase === 'Completed' &&
          (r.status?.workflowSelection as { selectedWorkflowRef?: { workflowId?: string } } | undefined)
            ?.selectedWorkflowRef?.workflowId === input.workflowId &&
          targetDisplay(r.spec?.targetResource as TargetResource) === targetDisplay(input.target) &&
          now < Date.parse(r.status?.completedAt as string) + rules.recentlyRemediatedCooldownMs,
      );
      if (recent) {
        return {
          reason: 'RecentlyRemediated',
          message: `${recent.metadata.name} ran ${input.workflowId} on this target recently; waiting out the cooldown`,
          blockedUntil: new Date(
            Date.parse(recent.status!.completedAt as string) + rules.recentlyRemediatedCooldownMs,
          ).toISOString(),
        };
      }

      if (failures > 0) {
        // 1m doubling to 10m, with ±10% jitter derived from the RR name (deterministic per RR).
        const base = Math.min(rules.backoffBaseMs * 2 ** (failures - 1), rules.backoffMaxMs);
        const jitter = (createHash('sha256').update(input.name).digest()[0]! / 255 - 0.5) * 0.2;
        const until = lastFailureAt + Math.round(base * (1 + jitter));
        if (now < until) {
          return {
            reason: 'ExponentialBackoff',
            message: `the last remediation of this signal failed; backing off ${Math.round(base / 1000)} s`,
            blockedUntil: new Date(until).toISOString(),
            consecutiveFailureCount: failures,
          };
        }
      }
      return null;
    },

    /**
     * Releases the target lock if this RR holds it. Idempotent: a missing Lease or
     * one held by another RR is left alone; delete is conditioned on our read's
     * resourceVersion. Local (workflows/activities.ts): a re-run after a lost
     * workflow task finds the Lease gone (or taken by another RR since) and leaves
     * it; racing the earlier attempt, one delete fails its precondition.
     */
    async releaseTargetLock(input: {
      namespace: string;
      name: string;
      target: TargetResource;
    }): Promise<boolean> {
      const name = lockName(input.target);
      try {
        const lease = await coordination.readNamespacedLease({ name, namespace: input.namespace });
        if (lease.spec?.holderIdentity !== input.name) return false;
        await coordination.deleteNamespacedLease({
          name,
          namespace: input.namespace,
          body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
        });
        return true;
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) return false;
        throw err;
      }
    },

    /** Phase and outcome of another RR, for a duplicate to inherit. Read-only. */
    async readRemediationOutcome(input: { namespace: string; name: string }) {
      try {
        const rr = (await custom.getNamespacedCustomObject({
          group: 'kubernaut.ai',
          version: 'v1alpha1',
          namespace: input.namespace,
          plural: 'remediationrequests',
          name: input.name,
        })) as KubeObject;
        const cs = (rr.status?.completionStatus ?? {}) as Record<string, string | undefined>;
        return {
          phase: rr.status?.overallPhase as string | undefined,
          outcome: cs.outcome,
          failurePhase: cs.failurePhase,
          failureReason: cs.failureReason,
        };
      } catch (err) {
        if (isNotFound(err)) return { phase: 'Cancelled' };
        throw err;
      }
    },
  };
}

export type RoutingActivities = ReturnType<typeof createRoutingActivities>;
