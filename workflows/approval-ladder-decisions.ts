/**
 * What the approval ladder does with each decision (invariant I10; workflows/
 * approval-ladder.ts waits for them): judge one against the ladder — refused (audited,
 * an update fails), counted (recorded in the RAR), or final — and settle the final one
 * through the arbiter (activities/approval.ts), telling the decisions that lost.
 */

import { type Candidate, judge, type Ladder } from '../lib/approval-ladder.js';
import type { AuditEventInput } from '../lib/audit/types.js';
import type { ApprovalDecision } from '../lib/domain.js';
import type { TargetResource } from '../lib/remediation-request.js';
import type { LadderState } from '../lib/remediation-view.js';
import { acts } from './activities.js';
import { auditRecordedDecision, proposeDecision } from './approval.js';
import type { LadderProposal, Remediation } from './context.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Who the audit names as the actor: only the API's authenticated identity is one in its own right. */
function actorOf(p: { decidedBy: string; authenticatedAs?: 'user' | 'service' }): Partial<AuditEventInput> {
  return p.authenticatedAs ? { actor_type: p.authenticatedAs, actor_id: p.decidedBy } : {};
}
const claimOf = (p: { decidedBy: string; authenticatedAs?: string }) =>
  p.authenticatedAs ? {} : { claimed_decided_by: p.decidedBy };

/**
 * Judges one proposal against the ladder. Returns the final decision when this
 * proposal made one (or lost to one recorded first); undefined otherwise.
 */
export async function consider(
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
export async function settle(
  r: Remediation,
  name: string,
  p: Pick<LadderProposal, 'decidedBy' | 'reason' | 'authenticatedAs'> & {
    decision: ApprovalDecision;
    via: LadderProposal['via'] | 'timeout';
  },
): Promise<{ decision: ApprovalDecision; ours: boolean }> {
  const { recorded, ours } = await proposeDecision(r, name, {
    decision: p.decision,
    decidedBy: p.decidedBy,
    ...(p.reason ? { message: p.reason } : {}),
    via: p.via,
  });
  const st = r.view.approval.ladder;
  const actor: Partial<AuditEventInput> =
    ours && p.via === 'timeout'
      ? { actor_type: 'service', actor_id: 'system' }
      : ours && p.authenticatedAs
        ? { actor_type: p.authenticatedAs, actor_id: p.decidedBy.split(', ').at(-1)! }
        : {};
  await auditRecordedDecision(
    r,
    name,
    recorded,
    actor,
    st
      ? {
          approval_policy: st.policy,
          approvers: st.approvals.map((a) => a.approver),
          approvals_required: st.approvalsRequired,
          tier: st.tier,
        }
      : {},
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
export async function dropAll(r: Remediation, rest: LadderProposal[]): Promise<void> {
  const queue = [...rest];
  for (let p = queue.shift() ?? r.proposals.shift(); p; p = queue.shift() ?? r.proposals.shift()) {
    p.verdict = { kind: 'ignored', message: lostMessage(r, p) };
    await ignoredAfterFinal(r, p);
  }
}
