/**
 * Routing checks before execution (DESIGN §5.5), read from the RemediationRequests
 * in the cluster — their terminal statuses are the durable history — and the
 * per-target lock (target-lock.ts), taken only when nothing blocks: a wait that does
 * not act holds no lock (§14 I7).
 */
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { isTerminalPhase } from '../lib/domain.js';
import { isNotFound, kubeClients } from '../lib/kube/client.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { type BudgetExhausted, createBudgetLedger } from './budget.js';
import type { KubeObject } from './kube-objects.js';
import { createTargetLock } from './target-lock.js';

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
    | 'ExponentialBackoff'
    | 'BudgetExhausted';
  message: string;
  blockedUntil?: string;
  duplicateOf?: string;
  blockingRemediation?: string;
  consecutiveFailureCount?: number;
  /** BudgetExhausted under a policy with whenExhausted: Escalate — a person decides, nobody waits. */
  escalate?: boolean;
}

/** A shadow's routing verdict: what would block it, and the budget's answer (null: room). */
export interface DryRouting {
  block: RoutingBlock | null;
  budget: BudgetExhausted | null;
}

export interface OriginalOutcome {
  phase?: string;
  outcome?: string;
  failurePhase?: string;
  failureReason?: string;
  gone?: true;
}

const resourceBusy = (holder: string, target: TargetResource): RoutingBlock => ({
  reason: 'ResourceBusy',
  message: `${holder} is remediating ${targetDisplay(target)}; waiting for it to finish`,
  blockingRemediation: holder,
});

const FAILED = ['Failed', 'TimedOut'];

/** The budget ledger's request for this RR: keyed by its uid, counted in its target's namespace. */
const budgetRequest = (input: RoutingInput) => ({
  namespace: input.namespace,
  name: input.name,
  uid: input.uid,
  targetNamespace: input.target.namespace ?? '',
});

export function createRoutingActivities(kc: k8s.KubeConfig) {
  const { custom } = kubeClients(kc);
  const lock = createTargetLock(kc);
  const budgets = createBudgetLedger(kc);

  async function listRemediations(namespace: string): Promise<KubeObject[]> {
    const list = (await custom.listNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace,
      plural: 'remediationrequests',
    })) as { items: KubeObject[] };
    return list.items;
  }

  /** The first rule that blocks, in Kubernaut's order, or null. Read-only. */
  async function firstBlock(input: RoutingInput, all: KubeObject[]): Promise<RoutingBlock | null> {
    const rules = { ...DEFAULT_ROUTING_RULES, ...input.rules };
    const now = Date.now();
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

    // An RR being deleted will remediate nothing: it is no original to wait for.
    const olderOpen = sameFingerprint
      .filter((r) => !isTerminalPhase(r.status?.overallPhase as string) && !r.metadata.deletionTimestamp)
      .filter((r) => !self || olderThan(r, self))
      .sort((a, b) => created(a) - created(b))[0];
    if (olderOpen) {
      return {
        reason: 'DuplicateInProgress',
        message: `${olderOpen.metadata.name} is already remediating this signal; this one inherits its outcome`,
        duplicateOf: olderOpen.metadata.name,
      };
    }

    // Only a look at the lock: taking it waits until no rule below blocks.
    const holder = await lock.otherActiveHolder(input);
    if (holder) return resourceBusy(holder, input.target);

    const recent = all.find(
      (r) =>
        r.metadata.uid !== input.uid &&
        r.status?.overallPhase === 'Completed' &&
        // A dry run or a shadow (its CRD outcome is DryRun) remediated nothing: no cooldown.
        (r.status?.completionStatus as { outcome?: string } | undefined)?.outcome !== 'DryRun' &&
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
  }

  return {
    /**
     * What evaluateRouting would decide now — the first rule that blocks, and the
     * budget's answer — without taking the lock or a unit: a shadow's verdict (I12).
     * Read-only (lists and reads only), so idempotent.
     */
    async evaluateRoutingDry(input: RoutingInput): Promise<DryRouting> {
      const all = await listRemediations(input.namespace);
      const block = await firstBlock(input, all);
      const exhausted = await budgets.peek(budgetRequest(input), all);
      return { block, budget: exhausted ?? null };
    },

    /**
     * Evaluates the routing rules and, only when none blocks, takes the target lock
     * (target-lock.ts; idempotent) and then a unit of every budget that covers the
     * target (budget.ts; idempotent: keyed by the RR's uid). A block releases a lock this RR still holds from
     * an earlier pass, or from an attempt of this activity that took it before the
     * rules changed: a wait that does not act holds no lock (I7). Otherwise read-only.
     */
    async evaluateRouting(input: RoutingInput): Promise<RoutingBlock | null> {
      const all = await listRemediations(input.namespace);
      const block = await firstBlock(input, all);
      if (block) {
        await lock.release(input);
        return block;
      }
      const holder = await lock.acquire(input);
      if (holder) return resourceBusy(holder, input.target);
      // The budget last: a unit is spent only by a remediation that will execute (I9).
      const exhausted = await budgets.acquire(budgetRequest(input), all);
      if (!exhausted) return null;
      await lock.release(input);
      return {
        reason: 'BudgetExhausted',
        message: exhausted.escalate
          ? `RemediationPolicy ${exhausted.policy} allows ${exhausted.limit}, and that is spent; it says to escalate rather than wait`
          : `RemediationPolicy ${exhausted.policy} allows ${exhausted.limit}, and that is spent; waiting ${exhausted.freesAt ? 'until it frees up' : 'for a running remediation to end'}`,
        ...(exhausted.freesAt ? { blockedUntil: new Date(exhausted.freesAt).toISOString() } : {}),
        ...(exhausted.escalate ? { escalate: true } : {}),
      };
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
      return lock.release(input);
    },

    /**
     * Phase and outcome of another RR, for a duplicate to inherit. `gone` when that
     * RR remediated nothing and never will — deleted, being deleted before it
     * finished, or cancelled — so there is no outcome to inherit. Read-only.
     */
    async readRemediationOutcome(input: { namespace: string; name: string }): Promise<OriginalOutcome> {
      let rr: KubeObject;
      try {
        rr = (await custom.getNamespacedCustomObject({
          group: 'kubernaut.ai',
          version: 'v1alpha1',
          namespace: input.namespace,
          plural: 'remediationrequests',
          name: input.name,
        })) as KubeObject;
      } catch (err) {
        if (isNotFound(err)) return { gone: true };
        throw err;
      }
      const phase = rr.status?.overallPhase as string | undefined;
      if (phase === 'Cancelled' || (rr.metadata.deletionTimestamp && !isTerminalPhase(phase))) {
        return { gone: true };
      }
      const cs = (rr.status?.completionStatus ?? {}) as Record<string, string | undefined>;
      return {
        phase,
        outcome: cs.outcome,
        failurePhase: cs.failurePhase,
        failureReason: cs.failureReason,
      };
    },
  };
}

export type RoutingActivities = ReturnType<typeof createRoutingActivities>;
