/**
 * Activities of the rollback step (workflows/rollback.ts, docs/invariants.md I11):
 * what the policy asks for, writing the prior state back, and the target's health.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { PRIOR_STATE, SPEC_HASH_AFTER, SPEC_HASH_BEFORE } from '../lib/execution-marks.js';
import { CHILD_KINDS } from '../lib/kinds.js';
import { isNotFound, statusOf } from '../lib/kube/client.js';
import { kubeRequest } from '../lib/kube/raw.js';
import {
  describeTarget,
  objectPath,
  parseTargetString,
  readObject,
  type TargetRef,
  targetSpecHash,
} from '../lib/kube/target.js';
import { type Health, healthOf } from '../lib/kube/target-health.js';
import { policyCovers, type RollbackTrigger, rollbackTriggersOf } from '../lib/rollback/policy.js';
import {
  type PriorState,
  parsePriorState,
  restoreDecision,
  restorePatch,
} from '../lib/rollback/prior-state.js';
import { KubeObjects } from './kube-objects.js';

export interface RollbackPlan {
  /** The union of the triggers of every policy covering the target's namespace. */
  on: RollbackTrigger[];
  /** What the execution recorded before acting; absent: nothing to restore. */
  prior?: PriorState;
}

export type RestoreResult =
  | { result: 'restored' | 'already-restored'; detail: string }
  | { result: 'changed-since' | 'nothing-recorded' | 'gone'; detail: string };

export function createRollbackActivities(kc: KubeConfig) {
  const objects = new KubeObjects(kc);
  const execution = (namespace: string, name: string) =>
    objects.get(CHILD_KINDS.WorkflowExecution.plural, namespace, name);

  return {
    /**
     * The policy's rollback triggers for a target and the execution's prior-state
     * record. Idempotent: read-only, so a retry, a re-run after a SIGKILL or a
     * duplicate call changes nothing.
     */
    async rollbackPlan(input: {
      namespace: string;
      execution: string;
      targetNamespace: string;
    }): Promise<RollbackPlan> {
      // None where the kind is not installed (Kubernaut's CRDs alone): no rollback is asked for.
      const list = await objects.list('remediationpolicies', input.namespace).catch((err: unknown) => {
        if (isNotFound(err)) return [];
        throw err;
      });
      const on = new Set<RollbackTrigger>();
      for (const p of list)
        if (policyCovers(p.spec, input.targetNamespace))
          for (const t of rollbackTriggersOf(p.spec)) on.add(t);
      const we = await execution(input.namespace, input.execution);
      const prior = parsePriorState(we?.metadata.annotations?.[PRIOR_STATE]);
      return { on: [...on], ...(prior ? { prior } : {}) };
    },

    /**
     * Writes the recorded prior spec fields back over the target. Idempotent under
     * retry, SIGKILL and duplicate input (a second run of the workflow): it writes
     * only while the target's spec hash is exactly what the execution left
     * (spec-hash-after); a target already at spec-hash-before is reported restored
     * without a write, so a second attempt — after a crash just past the write, or
     * from a second run — changes nothing. The write is
     * a patch carrying the resourceVersion read: a change landing in between gets 409,
     * which is thrown and retried, and the retry sees the new hash ('changed-since').
     * A change someone made after the execution is never overwritten ('changed-since').
     * 403/422 are thrown and reach the workflow as refusals (error-categories.ts).
     */
    async restorePriorState(input: { namespace: string; execution: string }): Promise<RestoreResult> {
      const we = await execution(input.namespace, input.execution);
      const prior = parsePriorState(we?.metadata.annotations?.[PRIOR_STATE]);
      const target = parseTargetString(String(we?.spec?.targetResource ?? ''));
      if (!we || !prior || !target)
        return { result: 'nothing-recorded', detail: `${input.execution} recorded no prior state` };
      const current = await readObject(kc, target);
      if (!current) return { result: 'gone', detail: `${describeTarget(target)} no longer exists` };
      const decision = restoreDecision({
        current: (await targetSpecHash(kc, target)) ?? undefined,
        before: we.metadata.annotations?.[SPEC_HASH_BEFORE],
        after: we.metadata.annotations?.[SPEC_HASH_AFTER],
      });
      if (decision === 'already-restored')
        return {
          result: decision,
          detail: `${describeTarget(target)} is already as it was before ${prior.action}`,
        };
      if (decision === 'changed-since')
        return {
          result: decision,
          detail: `${describeTarget(target)} was changed after ${prior.action}; not overwriting that change`,
        };
      try {
        await kubeRequest(
          kc,
          'PATCH',
          objectPath(target),
          restorePatch(current.metadata.resourceVersion ?? '', prior),
          'application/json-patch+json',
        );
      } catch (err) {
        if (isNotFound(err)) return { result: 'gone', detail: `${describeTarget(target)} no longer exists` };
        throw err;
      }
      return {
        result: 'restored',
        detail: `restored ${Object.keys(prior.spec).join(' and ')} of ${describeTarget(target)} as recorded at ${prior.recordedAt} (resourceVersion ${prior.resourceVersion})`,
      };
    },

    /**
     * Whether the RR's CRD accepts `outcome` (RolledBack is ours, not in Kubernaut's
     * enum): a server-side dry run of the status patch, validated and never stored.
     * Idempotent: nothing is written, so a retry, a re-run after a SIGKILL or a
     * duplicate call changes nothing. A refusal (400/422 on the enum) answers false.
     */
    async acceptsOutcome(input: { namespace: string; name: string; outcome: string }): Promise<boolean> {
      const path = `/apis/kubernaut.ai/v1alpha1/namespaces/${input.namespace}/remediationrequests/${input.name}/status?dryRun=All`;
      try {
        await kubeRequest(
          kc,
          'PATCH',
          path,
          { status: { completionStatus: { outcome: input.outcome } } },
          'application/merge-patch+json',
        );
        return true;
      } catch (err) {
        const code = statusOf(err);
        if (code === 400 || code === 422 || isNotFound(err)) return false;
        throw err;
      }
    },

    /**
     * The target's health now; absent target: not healthy. Idempotent: read-only
     * (retry, SIGKILL, duplicate: nothing changes).
     */
    async readTargetHealth(input: { target: TargetRef }): Promise<Health> {
      const obj = await readObject(kc, input.target);
      if (!obj)
        return {
          assessed: true,
          healthy: false,
          score: 0,
          detail: `${describeTarget(input.target)} not found`,
        };
      return healthOf(input.target.kind, obj);
    },
  };
}
