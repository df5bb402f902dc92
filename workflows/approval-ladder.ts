/**
 * The approval ladder with quorum (invariant I10, docs/policies.md): when a
 * RemediationPolicy with an `approval` section covers the target, approval climbs
 * its tiers — tier 1 is notified, and each time a tier's timeout passes with no
 * final decision the next tier is notified (its own NotificationRequest,
 * `orchestrator.approval.escalated`); only after the last tier does the approval
 * expire. A risky action needs `approvalsRequired` distinct approvers.
 *
 * Every decision — an update (the API, the CLI), a signal, a kubectl response
 * appended to the RAR's status.responses — is judged here, one at a time in the
 * order seen: the RR's creator and requester may not decide; only an approver of
 * the current tier or an earlier one may; the approver must hold `update` on the
 * target (SubjectAccessReview, unless the policy says otherwise); a second
 * approval by the same person does not count. A refused decision is audited
 * (`orchestrator.approval.refused`) and an update fails with ApprovalRefused (the
 * API's 403). An approval that counts is recorded in the RAR status
 * (`orchestrator.approval.counted`); the Nth distinct one makes the decision
 * final, and a rejection by an eligible approver is final at once. The final
 * decision goes through the arbiter (activities/approval.ts), as in I3: the RAR
 * records one, and nothing replaces it.
 *
 * Deterministic: the tiers' deadlines are workflow time, the one timer per wait is
 * the current tier's deadline, and decisions are judged in the order the workflow
 * saw them.
 */

import type { ApprovalProgress } from '../activities/approval.js';
import type { ChildSnapshot } from '../activities/remediation.js';
import {
  approversUpTo,
  type Candidate,
  describeApprovers,
  judge,
  type Ladder,
  tierEnds,
} from '../lib/approval-ladder.js';
import type { AuditEventInput } from '../lib/audit/types.js';
import type { ApprovalDecision } from '../lib/domain.js';
import { childName } from '../lib/kinds.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { LadderState } from '../lib/remediation-view.js';
import { acts } from './activities.js';
import { approvalPriority, approvalRequestSpec, enrichment, type Selection } from './children.js';
import type { LadderProposal, Remediation } from './context.js';

/** Runs from before the approval ladder: one approver, the awaitingApproval timeout (I3). */
export const APPROVAL_LADDER_PATCH = 'approval-ladder';

const iso = (ms: number) => new Date(ms).toISOString();

interface Response {
  by: string;
  decision: 'Approved' | 'Rejected';
  groups?: string[];
  message?: string;
}

/** The kubectl responses on the RAR, in order (malformed entries keep their place but are skipped). */
function responsesOf(status: Record<string, unknown>): (Response | undefined)[] {
  const list = Array.isArray(status.responses) ? (status.responses as unknown[]) : [];
  return list.map((x) => {
    const o = x as Record<string, unknown> | null;
    if (!o || typeof o.by !== 'string' || !o.by || (o.decision !== 'Approved' && o.decision !== 'Rejected'))
      return undefined;
    return {
      by: o.by,
      decision: o.decision,
      ...(Array.isArray(o.groups)
        ? { groups: o.groups.filter((g): g is string => typeof g === 'string') }
        : {}),
      ...(typeof o.message === 'string' && o.message ? { message: o.message } : {}),
    };
  });
}

const decided = (s: Record<string, unknown>) =>
  s.decision === 'Approved' || s.decision === 'Rejected' || s.decision === 'Expired';

function progressOf(st: LadderState): ApprovalProgress {
  return {
    approvalPolicy: st.policy,
    currentTier: st.tier,
    tierName: st.tierName,
    tiers: st.tiers,
    tierDeadline: st.tierDeadline,
    eligibleApprovers: st.eligible,
    approvalsRequired: st.approvalsRequired,
    approvalsNeeded: st.approvalsNeeded,
    riskyBecause: st.riskyBecause,
    approvals: st.approvals,
  };
}

/** Who the audit names as the actor: only the API's authenticated identity is one in its own right. */
function actorOf(p: { decidedBy: string; authenticatedAs?: 'user' | 'service' }): Partial<AuditEventInput> {
  return p.authenticatedAs ? { actor_type: p.authenticatedAs, actor_id: p.decidedBy } : {};
}
const claimOf = (p: { decidedBy: string; authenticatedAs?: string }) =>
  p.authenticatedAs ? {} : { claimed_decided_by: p.decidedBy };

export async function awaitLadder(
  r: Remediation,
  ladder: Ladder,
  aa: { name: string; status: Record<string, unknown> },
  sp: Record<string, unknown>,
  sel: Selection,
  target: TargetResource,
  globalDeadline: number,
): Promise<ApprovalDecision> {
  const name = childName('RemediationApprovalRequest', r.owner.name);
  const ends = tierEnds(ladder.tiers, Date.now(), globalDeadline);
  const last = ends.length - 1;
  const requiredBy = iso(ends[last]!);
  r.ladder = ladder;
  const st: LadderState = {
    policy: ladder.policy,
    tier: 1,
    tierName: ladder.tiers[0]!.name,
    tiers: ladder.tiers.length,
    tierDeadline: iso(ends[0]!),
    eligible: approversUpTo(ladder.tiers, 0),
    approvalsRequired: ladder.approvalsRequired,
    approvalsNeeded: ladder.approvalsRequired,
    riskyBecause: ladder.riskyBecause,
    approvals: [],
    refusals: [],
  };
  r.view.approval = { required: true, requestName: name, requiredBy, ladder: st };
  await r.createChild(
    'RemediationApprovalRequest',
    name,
    approvalRequestSpec(r.owner, aa.name, aa.status, sel, requiredBy),
  );
  // Before anyone is told of the RAR: its status says a quorum is needed (the CRD then refuses a lone Approved).
  const progress = (init = false) =>
    acts.writeApprovalProgress({ namespace: r.owner.namespace, name, progress: progressOf(st), init });
  await progress(true);
  const needs = () =>
    `${st.approvalsNeeded} of ${st.approvalsRequired} approval(s) from ${describeApprovers(st.eligible)}`;
  await r.enter(
    'AwaitingApproval',
    `Waiting for ${needs()} (tier ${st.tier} of ${st.tiers}, ${st.tierName}, until ${st.tierDeadline}) for ${sel.workflowId} (${sel.actionType}); expires ${requiredBy}`,
  );
  await r.audit('orchestrator.approval.requested', 'pending', {
    approval_request: name,
    required_by: requiredBy,
    workflow_id: sel.workflowId,
    confidence: sel.confidence,
    approval_policy: ladder.policy,
    tiers: ladder.tiers.map((t, i) => ({ tier: i + 1, name: t.name, ...t.approvers, timeout: t.timeout })),
    tier_deadline: st.tierDeadline,
    approvals_required: ladder.approvalsRequired,
    risky_because: ladder.riskyBecause,
    excluded_approvers: ladder.excluded,
  });
  const priority = approvalPriority(enrichment(sp).priority);
  const announce = (slug: string, lead: string) =>
    r.notify(slug, {
      type: 'Approval',
      priority,
      subject: `${lead}: ${sel.actionType} for ${r.spec.signalName}`,
      body: `Remediation ${r.owner.name} wants to run ${sel.workflowId} on ${targetDisplay(target)} (confidence ${sel.confidence.toFixed(2)}). Tier ${st.tier} of ${st.tiers} (${st.tierName}): ${describeApprovers(st.eligible)}. ${st.approvalsNeeded} more distinct approval(s) needed${ladder.riskyBecause.length ? ` (${ladder.riskyBecause.join('; ')})` : ''}. Approve with: kubernaut approve ${r.owner.name} --reason "…" (before ${st.tierDeadline}${st.tier < st.tiers ? ', when the next tier is notified' : ', when it expires'}).`,
    });
  await announce('approval', 'Approval needed');

  let tier = 0;
  let seen = 0;
  for (;;) {
    const waited: ChildSnapshot | 'timeout' | 'interrupted' = await r.waitForChild(
      'RemediationApprovalRequest',
      name,
      (s) => decided(s) || responsesOf(s).length > seen,
      ends[tier]!,
      () => r.proposals.length > 0,
    );
    // Updates and signals first (they were taken before this read), then kubectl responses.
    const incoming: LadderProposal[] = r.proposals.splice(0);
    if (typeof waited === 'object') {
      const responses = responsesOf(waited.status);
      for (const x of responses.slice(seen)) {
        if (!x) continue;
        incoming.push({
          decision: x.decision,
          decidedBy: x.by,
          ...(x.groups ? { groups: x.groups } : {}),
          ...(x.message ? { reason: x.message } : {}),
          via: 'kubectl',
        });
      }
      seen = Math.max(seen, responses.length);
      if (decided(waited.status)) {
        // Written into the RAR directly (kubectl): the RAR arbitrates, as in I3.
        const s = waited.status;
        const outcome = await settle(r, name, {
          decision: s.decision as ApprovalDecision,
          decidedBy: (s.decidedBy as string | undefined) || 'kubectl',
          reason: s.decisionMessage as string | undefined,
          via: 'kubectl',
        });
        await dropAll(r, incoming);
        return outcome.decision;
      }
    }
    for (const [i, p] of incoming.entries()) {
      const final = await consider(r, ladder, st, tier, ends[last]!, target, p, progress);
      if (final) {
        await dropAll(r, incoming.slice(i + 1));
        return final;
      }
    }
    if (waited !== 'timeout') continue;
    if (tier === last) {
      const outcome = await settle(r, name, {
        decision: 'Expired',
        decidedBy: 'system',
        reason: `no decision before ${requiredBy}: ${st.approvals.length} of ${st.approvalsRequired} approval(s) after ${st.tiers} tier(s)`,
        via: 'timeout',
      });
      await dropAll(r, []);
      return outcome.decision;
    }
    // Escalate: the next tier is told, and may decide from now on.
    const from = tier++;
    Object.assign(st, {
      tier: tier + 1,
      tierName: ladder.tiers[tier]!.name,
      tierDeadline: iso(ends[tier]!),
      eligible: approversUpTo(ladder.tiers, tier),
    });
    await progress();
    r.view.message = `Waiting for ${needs()} (tier ${st.tier} of ${st.tiers}, ${st.tierName}, until ${st.tierDeadline}); escalated after tier ${from + 1} timed out`;
    await r.writeStatus();
    await announce(`approval-tier-${tier + 1}`, `Approval escalated to ${st.tierName}`);
    await r.audit('orchestrator.approval.escalated', 'pending', {
      approval_request: name,
      approval_policy: ladder.policy,
      from_tier: from + 1,
      to_tier: tier + 1,
      tier_name: st.tierName,
      tier_deadline: st.tierDeadline,
      notified: ladder.tiers[tier]!.approvers,
      notification: `nr-approval-tier-${tier + 1}-${r.owner.name}`,
      approvals: st.approvals.map((a) => a.approver),
      approvals_needed: st.approvalsNeeded,
    });
  }
}

/**
 * Judges one proposal against the ladder. Returns the final decision when this
 * proposal made one (or lost to one recorded first); undefined otherwise.
 */
async function consider(
  r: Remediation,
  ladder: Ladder,
  st: LadderState,
  tier: number,
  expiresAt: number,
  target: TargetResource,
  p: LadderProposal,
  progress: () => Promise<void>,
): Promise<ApprovalDecision | undefined> {
  const approvedBy = st.approvals.map((a) => a.approver);
  const c: Candidate = { decision: p.decision, decidedBy: p.decidedBy, groups: p.groups, via: p.via };
  let j =
    Date.now() >= expiresAt
      ? ({
          kind: 'refused',
          code: 'Late',
          reason: `the approval window closed at ${iso(expiresAt)}`,
        } as const)
      : judge(ladder, tier, approvedBy, c);
  if (j.kind === 'eligible' && ladder.requireTargetRights) {
    const rights = await acts.checkTargetRights({ user: p.decidedBy, groups: p.groups, target });
    if (!rights.allowed) j = { kind: 'refused', code: 'NoTargetRights', reason: rights.reason };
  }
  if (j.kind === 'refused') {
    st.refusals = [...st.refusals, { by: p.decidedBy, code: j.code, at: r.now(), via: p.via }];
    p.verdict = {
      kind: 'refused',
      message: `${p.decision === 'Approved' ? 'approval' : 'rejection'} of ${r.owner.name} by ${p.decidedBy} refused: ${j.reason}`,
    };
    await r.audit(
      'orchestrator.approval.refused',
      'failure',
      {
        approval_request: r.view.approval.requestName,
        refused_decision: p.decision,
        decided_by: p.decidedBy,
        decided_via: p.via,
        ...(p.groups ? { groups: p.groups } : {}),
        decision_message: p.reason,
        reason_code: j.code,
        reason: j.reason,
        tier: st.tier,
        ...claimOf(p),
      },
      actorOf(p),
    );
    return undefined;
  }
  if (j.kind === 'duplicate') {
    p.verdict = {
      kind: 'ignored',
      message: `approval of ${r.owner.name} by ${p.decidedBy} not counted again: ${j.reason}`,
    };
    await r.audit('orchestrator.approval.ignored', 'failure', {
      approval_request: r.view.approval.requestName,
      ignored_decision: p.decision,
      claimed_decided_by: p.decidedBy,
      decided_via: p.via,
      decision_message: p.reason,
      phase: r.view.phase,
      reason: j.reason,
    });
    return undefined;
  }
  if (p.decision === 'Rejected') {
    const outcome = await settle(r, r.view.approval.requestName!, p);
    p.verdict = outcome.ours
      ? { kind: 'final', message: 'rejected' }
      : { kind: 'ignored', message: lostMessage(r, p) };
    if (!outcome.ours) await ignoredAfterFinal(r, p);
    return outcome.decision;
  }
  st.approvals = [
    ...st.approvals,
    { approver: p.decidedBy, approvedAt: r.now(), via: p.via, ...(p.reason ? { message: p.reason } : {}) },
  ];
  st.approvalsNeeded = Math.max(0, st.approvalsRequired - st.approvals.length);
  // Recorded before the final decision: the CRD accepts Approved only with the quorum listed.
  await progress();
  await r.audit(
    'orchestrator.approval.counted',
    'success',
    {
      approval_request: r.view.approval.requestName,
      approver: p.decidedBy,
      decided_via: p.via,
      decision_message: p.reason,
      approvals: st.approvals.map((a) => a.approver),
      approvals_required: st.approvalsRequired,
      approvals_needed: st.approvalsNeeded,
      tier: st.tier,
      ...claimOf(p),
    },
    actorOf(p),
  );
  if (st.approvalsNeeded > 0) {
    p.verdict = {
      kind: 'counted',
      message: `approval by ${p.decidedBy} counted; ${st.approvalsNeeded} more needed`,
    };
    r.view.message = `Waiting for ${st.approvalsNeeded} more approval(s) (${st.approvals.map((a) => a.approver).join(', ')} approved; tier ${st.tier} of ${st.tiers} until ${st.tierDeadline})`;
    await r.writeStatus();
    return undefined;
  }
  const outcome = await settle(r, r.view.approval.requestName!, {
    ...p,
    decidedBy: st.approvals.map((a) => a.approver).join(', '),
    reason:
      st.approvals
        .filter((a) => a.message)
        .map((a) => (st.approvals.length > 1 ? `${a.approver}: ${a.message}` : a.message))
        .join('; ') || undefined,
  });
  p.verdict = outcome.ours
    ? { kind: 'final', message: 'approved' }
    : { kind: 'ignored', message: lostMessage(r, p) };
  if (!outcome.ours) await ignoredAfterFinal(r, p);
  return outcome.decision;
}

/**
 * Proposes the final decision to the arbiter and takes what the RAR recorded; audits
 * it as I3 does. `ours`: the RAR recorded this proposal (not an earlier one).
 */
async function settle(
  r: Remediation,
  name: string,
  p: Pick<LadderProposal, 'decidedBy' | 'reason' | 'authenticatedAs'> & {
    decision: ApprovalDecision;
    via: LadderProposal['via'] | 'timeout';
  },
): Promise<{ decision: ApprovalDecision; ours: boolean }> {
  const decidedAt = r.now();
  const recorded = await acts.writeApprovalDecision({
    namespace: r.owner.namespace,
    name,
    decision: p.decision,
    decidedBy: p.decidedBy,
    decidedAt,
    decidedVia: p.via,
    ...(p.reason ? { decisionMessage: p.reason } : {}),
  });
  const ours =
    recorded.decision === p.decision &&
    recorded.decidedBy === p.decidedBy &&
    recorded.decidedAt === decidedAt &&
    recorded.via === p.via;
  const via =
    (['update', 'signal', 'kubectl', 'timeout'] as const).find((v) => v === recorded.via) ?? 'kubectl';
  r.view.approval = {
    ...r.view.approval,
    decision: recorded.decision,
    decidedBy: recorded.decidedBy,
    decidedAt: recorded.decidedAt,
    decisionMessage: recorded.message,
    decidedVia: ours ? p.via : via,
  };
  const st = r.view.approval.ladder;
  const actor: Partial<AuditEventInput> =
    ours && p.via === 'timeout'
      ? { actor_type: 'service', actor_id: 'system' }
      : ours && p.authenticatedAs
        ? { actor_type: p.authenticatedAs, actor_id: p.decidedBy.split(', ').at(-1)! }
        : {};
  await r.audit(
    `orchestrator.approval.${recorded.decision.toLowerCase()}`,
    recorded.decision === 'Approved' ? 'success' : 'failure',
    {
      approval_request: name,
      decision: recorded.decision,
      decided_by: recorded.decidedBy,
      decided_at: recorded.decidedAt,
      decided_via: r.view.approval.decidedVia,
      decision_message: recorded.message,
      ...(st
        ? {
            approval_policy: st.policy,
            approvers: st.approvals.map((a) => a.approver),
            approvals_required: st.approvalsRequired,
            tier: st.tier,
          }
        : {}),
      ...(actor.actor_id ? {} : { claimed_decided_by: recorded.decidedBy }),
    },
    actor,
  );
  return { decision: recorded.decision, ours };
}

function lostMessage(r: Remediation, p: LadderProposal): string {
  const a = r.view.approval;
  return `remediation ${r.owner.name} was already ${a.decision?.toLowerCase()} by ${a.decidedBy} (${a.decidedVia}) at ${a.decidedAt}${a.decisionMessage ? `: ${a.decisionMessage}` : ''}; this ${p.decision === 'Approved' ? 'approval' : 'rejection'} by ${p.decidedBy} was not recorded`;
}

async function ignoredAfterFinal(r: Remediation, p: LadderProposal): Promise<void> {
  const a = r.view.approval;
  await r.audit('orchestrator.approval.ignored', 'failure', {
    approval_request: a.requestName,
    ignored_decision: p.decision,
    claimed_decided_by: p.decidedBy,
    decided_via: p.via,
    decision_message: p.reason,
    phase: r.view.phase,
    reason: `${a.decision?.toLowerCase()} by ${a.decidedBy} (${a.decidedVia}) at ${a.decidedAt} first`,
    recorded_decision: a.decision,
    recorded_decided_by: a.decidedBy,
  });
}

/**
 * Proposals still waiting when the decision became final — those given, then any
 * queued meanwhile (an update taken while the arbiter ran): each is told, and
 * audited as ignored. Once the view holds the decision, handlers queue no more.
 */
async function dropAll(r: Remediation, rest: LadderProposal[]): Promise<void> {
  const queue = [...rest];
  for (let p = queue.shift() ?? r.proposals.shift(); p; p = queue.shift() ?? r.proposals.shift()) {
    p.verdict = { kind: 'ignored', message: lostMessage(r, p) };
    await ignoredAfterFinal(r, p);
  }
}
