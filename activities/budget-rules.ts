/**
 * The budgets of a RemediationPolicy (docs/policies.md), as pure functions of what the
 * ledger and the cluster say — activities/budget.ts reads those and writes the grant.
 *
 * - `executionsPerHour`: grants of the last (sliding) hour across the covered namespaces.
 * - `maxConcurrent`: grants whose remediation has not ended, across the covered namespaces.
 * - `maxConcurrentPercent`: the same within the target's namespace, against that
 *   namespace's Deployments (at least one may always run).
 * - `pauseWhenFailing`: no execution while more than K remediations covered by the
 *   policy ended Failed or TimedOut in the last hour.
 */
export const HOUR_MS = 3_600_000;

export interface Grant {
  uid: string;
  name: string;
  targetNamespace: string;
  /** When it was granted (epoch ms). */
  at: number;
}

export interface Policy {
  name: string;
  /** Target namespaces covered; empty: every namespace, cluster-scoped targets ('') included. */
  namespaces: string[];
  executionsPerHour?: number;
  maxConcurrent?: number;
  maxConcurrentPercent?: number;
  pauseWhenFailing?: number;
  /** What a remediation refused a unit does: wait (the default) or escalate to a person. */
  whenExhausted: 'Wait' | 'Escalate';
}

export interface Standing {
  grants: Grant[];
  /** Uids of the remediations that have not ended (in the ledger's namespace). */
  open: Set<string>;
  /** Remediations that ended Failed/TimedOut in the last hour: target namespace and when. */
  failures: { targetNamespace: string; at: number }[];
  /** Deployments in a namespace (read only for a percentage budget). */
  deployments: (namespace: string) => number;
}

export interface BudgetExhausted {
  policy: string;
  /** What is spent, for people: "5 executions per hour". */
  limit: string;
  /** When it frees up by itself; undefined when it frees up as a running remediation ends. */
  freesAt?: number;
  /** The policy says not to wait: hand the remediation to a person (whenExhausted: Escalate). */
  escalate: boolean;
}

export const covers = (p: Policy, ns: string) => p.namespaces.length === 0 || p.namespaces.includes(ns);

/** A grant is kept for the hour it counts, and for as long as its remediation runs. */
export const keepGrant = (g: Grant, open: Set<string>, now: number) =>
  now - g.at < HOUR_MS || open.has(g.uid);

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** The budgets of a RemediationPolicy object's spec (absent or malformed fields: no such budget). */
export function policyOf(name: string, spec: Record<string, unknown> | undefined): Policy | undefined {
  const b = (spec?.budget ?? {}) as Record<string, unknown>;
  const p: Policy = {
    name,
    namespaces: Array.isArray(spec?.targetNamespaces) ? (spec.targetNamespaces as string[]) : [],
    executionsPerHour: num(b.executionsPerHour),
    maxConcurrent: num(b.maxConcurrent),
    maxConcurrentPercent: num(b.maxConcurrentPercent),
    pauseWhenFailing: num(b.pauseWhenFailing),
    whenExhausted: b.whenExhausted === 'Escalate' ? 'Escalate' : 'Wait',
  };
  const any = [p.executionsPerHour, p.maxConcurrent, p.maxConcurrentPercent, p.pauseWhenFailing];
  return any.some((v) => v !== undefined) ? p : undefined;
}

function checkPolicy(p: Policy, s: Standing, targetNamespace: string, now: number) {
  const spent = spentLimit(p, s, targetNamespace, now);
  return spent && { ...spent, policy: p.name, escalate: p.whenExhausted === 'Escalate' };
}

function spentLimit(
  p: Policy,
  s: Standing,
  targetNamespace: string,
  now: number,
): { limit: string; freesAt?: number } | undefined {
  const mine = s.grants.filter((g) => covers(p, g.targetNamespace));
  if (p.executionsPerHour !== undefined) {
    const hour = mine.filter((g) => now - g.at < HOUR_MS).map((g) => g.at);
    if (hour.length >= p.executionsPerHour) {
      // Room again when enough of them leave the hour for one more.
      const sorted = hour.sort((a, b) => a - b);
      const freesAt = (sorted[hour.length - p.executionsPerHour] ?? now) + HOUR_MS;
      return { limit: `${p.executionsPerHour} executions per hour`, freesAt };
    }
  }
  if (p.maxConcurrent !== undefined && mine.filter((g) => s.open.has(g.uid)).length >= p.maxConcurrent) {
    return { limit: `${p.maxConcurrent} remediations executing at once` };
  }
  if (p.maxConcurrentPercent !== undefined) {
    const allowed = Math.max(1, Math.floor((p.maxConcurrentPercent * s.deployments(targetNamespace)) / 100));
    const running = mine.filter((g) => g.targetNamespace === targetNamespace && s.open.has(g.uid)).length;
    if (running >= allowed) {
      return {
        limit: `${p.maxConcurrentPercent}% of the Deployments of ${targetNamespace} under remediation at once (${allowed})`,
      };
    }
  }
  if (p.pauseWhenFailing !== undefined) {
    const failed = s.failures
      .filter((f) => covers(p, f.targetNamespace) && now - f.at < HOUR_MS)
      .map((f) => f.at)
      .sort((a, b) => a - b);
    if (failed.length > p.pauseWhenFailing) {
      const freesAt = failed[failed.length - p.pauseWhenFailing - 1]! + HOUR_MS;
      return {
        limit: `no execution while more than ${p.pauseWhenFailing} remediations failed in the last hour (${failed.length} did)`,
        freesAt,
      };
    }
  }
  return undefined;
}

/** The first policy covering the target whose budget is spent, or undefined: all have room. */
export function firstExhausted(
  policies: Policy[],
  s: Standing,
  targetNamespace: string,
  now: number,
): BudgetExhausted | undefined {
  for (const p of policies.filter((q) => covers(q, targetNamespace))) {
    const spent = checkPolicy(p, s, targetNamespace, now);
    if (spent) return spent;
  }
  return undefined;
}
