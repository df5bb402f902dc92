/**
 * The approval ladder with quorum of a RemediationPolicy (docs/policies.md,
 * invariant I10 in docs/invariants.md), as pure functions: what a policy's
 * `approval` section says, which policy applies to a target, how many distinct
 * approvers a remediation needs, who may approve at which tier, and whether one
 * proposed decision counts. The workflow (workflows/approval-ladder.ts) and the
 * activities (activities/approval.ts) share them; nothing here does I/O or reads
 * a clock, so the workflow stays deterministic.
 */

import { parseDuration } from './duration.js';
import type { TargetResource } from './remediation-request.js';

/** Who created an RR: set by its creator, checked by the admission policy in deploy/ (I10). */
export const CREATED_BY_ANNOTATION = 'kubernaut.ai/created-by';
/** Who sent the signal the gateway made an RR of: the API identity, recorded by the gateway. */
export const REQUESTED_BY_ANNOTATION = 'kubernaut.ai/requested-by';

/** Who may decide at a tier: users by name, groups by name (either may be empty, not both). */
export interface Approvers {
  users: string[];
  groups: string[];
}

export interface LadderTier {
  /** For people: "on-call", or "tier 2" when the policy names none. */
  name: string;
  approvers: Approvers;
  /** How long this tier has before the next is notified (after the last: the approval expires). */
  timeout: string;
  timeoutMs: number;
}

/** When an action is risky, and so needs `approvals` distinct approvers rather than one. */
export interface QuorumWhen {
  /** The target's namespace carries all of these labels. */
  namespaceLabels?: Record<string, string>;
  /** The target is one of these kinds (StatefulSet, Node, …). */
  targetKinds?: string[];
  /** The analysis' confidence is below this. */
  confidenceBelow?: number;
}

export interface ApprovalPolicy {
  /** The RemediationPolicy's name. */
  policy: string;
  /** Target namespaces covered; empty: every namespace. */
  namespaces: string[];
  tiers: LadderTier[];
  quorum?: { approvals: number; when?: QuorumWhen };
  /** Approvers must hold `update` on the target (SubjectAccessReview); default true. */
  requireTargetRights: boolean;
}

/** The ladder one remediation climbs: the policy as it applies to its target. */
export interface Ladder {
  policy: string;
  tiers: LadderTier[];
  /** Distinct approvers needed: the quorum's when the action is risky, else 1. */
  approvalsRequired: number;
  /** Why the quorum applies ("target kind StatefulSet", …); empty when it does not. */
  riskyBecause: string[];
  requireTargetRights: boolean;
  /** Who may not approve: the RR's creator and requester, as recorded on it. */
  excluded: { createdBy?: string; requestedBy?: string };
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s !== '') : [];
const record = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The approval section of a RemediationPolicy's spec; undefined when it has none, or
 * none that can work (no tier with approvers and a valid timeout — the CRD refuses
 * such a policy; one applied without the CRD's schema is ignored rather than guessed).
 */
export function approvalPolicyOf(
  name: string,
  spec: Record<string, unknown> | undefined,
): ApprovalPolicy | undefined {
  const a = record(spec?.approval);
  if (!a) return undefined;
  const tiers: LadderTier[] = [];
  for (const [i, raw] of (Array.isArray(a.tiers) ? a.tiers : []).entries()) {
    const t = record(raw);
    const approvers = record(t?.approvers);
    const timeout = typeof t?.timeout === 'string' ? t.timeout : '';
    const timeoutMs = parseDuration(timeout);
    const users = strings(approvers?.users);
    const groups = strings(approvers?.groups);
    if (!timeoutMs || (users.length === 0 && groups.length === 0)) return undefined;
    tiers.push({
      name: typeof t?.name === 'string' && t.name ? t.name : `tier ${i + 1}`,
      approvers: { users, groups },
      timeout,
      timeoutMs,
    });
  }
  if (tiers.length === 0) return undefined;
  const q = record(a.quorum);
  const approvals = typeof q?.approvals === 'number' && Number.isInteger(q.approvals) ? q.approvals : 1;
  const w = record(q?.when);
  const when: QuorumWhen | undefined = w
    ? {
        ...(record(w.namespaceLabels)
          ? {
              namespaceLabels: Object.fromEntries(
                Object.entries(record(w.namespaceLabels)!).filter(([, v]) => typeof v === 'string'),
              ) as Record<string, string>,
            }
          : {}),
        ...(Array.isArray(w.targetKinds) ? { targetKinds: strings(w.targetKinds) } : {}),
        ...(typeof w.confidenceBelow === 'number' ? { confidenceBelow: w.confidenceBelow } : {}),
      }
    : undefined;
  return {
    policy: name,
    namespaces: strings(spec?.targetNamespaces),
    tiers,
    ...(approvals > 1 ? { quorum: { approvals, ...(when ? { when } : {}) } } : {}),
    requireTargetRights: a.requireTargetRights !== false,
  };
}

/**
 * The one approval policy that applies to a target namespace ('' for a cluster-scoped
 * target): one naming the namespace in targetNamespaces before one covering every
 * namespace, then by name. Ladders do not combine: exactly one decides.
 */
export function applicablePolicy(
  policies: ApprovalPolicy[],
  targetNamespace: string,
): ApprovalPolicy | undefined {
  const named = policies.filter((p) => p.namespaces.includes(targetNamespace));
  const catchAll = policies.filter((p) => p.namespaces.length === 0);
  const byName = (a: ApprovalPolicy, b: ApprovalPolicy) => a.policy.localeCompare(b.policy);
  return named.sort(byName)[0] ?? catchAll.sort(byName)[0];
}

/**
 * Why the action is risky under the policy's quorum (each condition that holds);
 * empty when it is not. A quorum without `when` applies to every action; with
 * `when`, any one of its conditions is enough.
 */
export function riskOf(
  quorum: ApprovalPolicy['quorum'],
  what: { target: TargetResource; namespaceLabels: Record<string, string>; confidence: number },
): string[] {
  if (!quorum) return [];
  const w = quorum.when;
  if (
    !w ||
    (w.namespaceLabels === undefined && w.targetKinds === undefined && w.confidenceBelow === undefined)
  )
    return ['every action under this policy'];
  const why: string[] = [];
  const labels = w.namespaceLabels;
  if (labels && Object.keys(labels).length > 0 && what.target.namespace) {
    const match = Object.entries(labels).every(([k, v]) => what.namespaceLabels[k] === v);
    if (match)
      why.push(
        `namespace ${what.target.namespace} is ${Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`,
      );
  }
  if (w.targetKinds?.includes(what.target.kind)) why.push(`target kind ${what.target.kind}`);
  if (w.confidenceBelow !== undefined && what.confidence < w.confidenceBelow)
    why.push(`confidence ${what.confidence.toFixed(2)} below ${w.confidenceBelow}`);
  return why;
}

export function ladderFor(
  p: ApprovalPolicy,
  what: {
    target: TargetResource;
    namespaceLabels: Record<string, string>;
    confidence: number;
    createdBy?: string;
    requestedBy?: string;
  },
): Ladder {
  const riskyBecause = riskOf(p.quorum, what);
  return {
    policy: p.policy,
    tiers: p.tiers,
    approvalsRequired: riskyBecause.length > 0 ? (p.quorum?.approvals ?? 1) : 1,
    riskyBecause,
    requireTargetRights: p.requireTargetRights,
    excluded: {
      ...(what.createdBy ? { createdBy: what.createdBy } : {}),
      ...(what.requestedBy ? { requestedBy: what.requestedBy } : {}),
    },
  };
}

/**
 * When each tier ends (epoch ms), from the moment the approval was requested: tier i
 * ends at start + the timeouts of tiers 0..i; the last tier's end is when the approval
 * expires. Capped by `cap` (the remediation's global deadline).
 */
export function tierEnds(tiers: LadderTier[], start: number, cap: number): number[] {
  let at = start;
  return tiers.map((t) => {
    at += t.timeoutMs;
    return Math.min(at, cap);
  });
}

/** Who may decide while `tier` (0-based) is current: the approvers of that tier and every earlier one. */
export function approversUpTo(tiers: LadderTier[], tier: number): Approvers {
  const users = new Set<string>();
  const groups = new Set<string>();
  for (const t of tiers.slice(0, tier + 1)) {
    for (const u of t.approvers.users) users.add(u);
    for (const g of t.approvers.groups) groups.add(g);
  }
  return { users: [...users], groups: [...groups] };
}

export const describeApprovers = (a: Approvers) =>
  [
    a.users.length ? `users ${a.users.join(', ')}` : '',
    a.groups.length ? `groups ${a.groups.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');

/** A decision someone proposes: who (and their groups, where known), what, how. */
export interface Candidate {
  decision: 'Approved' | 'Rejected';
  decidedBy: string;
  groups?: string[];
  via: string;
}

export type RefusalCode = 'SelfApproval' | 'NotAnApprover' | 'NoTargetRights' | 'Late';

/** What the ladder makes of a candidate, before any SubjectAccessReview. */
export type Judgement =
  | { kind: 'refused'; code: RefusalCode; reason: string }
  | { kind: 'duplicate'; reason: string }
  | { kind: 'eligible' };

/**
 * The rules that need no I/O, in this order: the creator and the requester of the RR
 * may not decide it; only an approver of the current tier or an earlier one may; a
 * person's second approval does not count again. (Rights on the target are the
 * SubjectAccessReview's, afterwards, for an eligible candidate only.)
 */
export function judge(ladder: Ladder, tier: number, approvedBy: readonly string[], c: Candidate): Judgement {
  const verb = c.decision === 'Approved' ? 'approve' : 'reject';
  if (c.decidedBy === ladder.excluded.createdBy)
    return {
      kind: 'refused',
      code: 'SelfApproval',
      reason: `${c.decidedBy} created this remediation and may not ${verb} it`,
    };
  if (c.decidedBy === ladder.excluded.requestedBy)
    return {
      kind: 'refused',
      code: 'SelfApproval',
      reason: `${c.decidedBy} requested this remediation and may not ${verb} it`,
    };
  const who = approversUpTo(ladder.tiers, tier);
  const member = who.users.includes(c.decidedBy) || (c.groups ?? []).some((g) => who.groups.includes(g));
  if (!member)
    return {
      kind: 'refused',
      code: 'NotAnApprover',
      reason: `${c.decidedBy} is not an approver of ${tierRange(ladder, tier)} of policy ${ladder.policy} (${describeApprovers(who)})`,
    };
  if (c.decision === 'Approved' && approvedBy.includes(c.decidedBy))
    return {
      kind: 'duplicate',
      reason: `${c.decidedBy} has already approved; ${ladder.approvalsRequired - approvedBy.length} more approval(s) needed from someone else`,
    };
  return { kind: 'eligible' };
}

const tierRange = (l: Ladder, tier: number) =>
  tier === 0 ? `tier 1 (${l.tiers[0]!.name})` : `tiers 1–${tier + 1} (${l.tiers[tier]!.name} is current)`;

/**
 * What `update` on a target means for a SubjectAccessReview: the API group and
 * resource of its kind. Kinds the built-in actions touch, and a plural guess
 * (lower case + s) for others, in the target's apiVersion group.
 */
export function targetResourceAttributes(t: TargetResource): {
  group: string;
  resource: string;
  name: string;
  namespace?: string;
  verb: 'update';
} {
  const known: Record<string, [string, string]> = {
    Deployment: ['apps', 'deployments'],
    StatefulSet: ['apps', 'statefulsets'],
    DaemonSet: ['apps', 'daemonsets'],
    ReplicaSet: ['apps', 'replicasets'],
    Pod: ['', 'pods'],
    Node: ['', 'nodes'],
    Service: ['', 'services'],
    ConfigMap: ['', 'configmaps'],
    PersistentVolumeClaim: ['', 'persistentvolumeclaims'],
    Job: ['batch', 'jobs'],
    CronJob: ['batch', 'cronjobs'],
    HorizontalPodAutoscaler: ['autoscaling', 'horizontalpodautoscalers'],
  };
  const [group, resource] = known[t.kind] ?? [
    t.apiVersion?.includes('/') ? t.apiVersion.split('/')[0]! : '',
    `${t.kind.toLowerCase()}s`,
  ];
  return {
    group,
    resource,
    name: t.name,
    ...(t.namespace ? { namespace: t.namespace } : {}),
    verb: 'update',
  };
}
