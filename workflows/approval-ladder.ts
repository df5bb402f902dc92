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
import { approversUpTo, describeApprovers, type Ladder, tierEnds } from '../lib/approval-ladder.js';
import type { ApprovalDecision } from '../lib/domain.js';
import { childName } from '../lib/kinds.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { LadderState } from '../lib/remediation-view.js';
import { acts } from './activities.js';
import { consider, dropAll, settle } from './approval-ladder-decisions.js';
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
