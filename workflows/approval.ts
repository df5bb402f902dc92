/**
 * The approval step (DESIGN §5.4): create the RAR and an Approval notification,
 * then wait for a decision from an update, a signal, a kubectl patch of the RAR
 * status, or the timeout. Whatever ends the wait, the decision is proposed to the
 * arbiter (activities/approval.ts), and the one the RAR records — the first
 * recorded anywhere — is final (invariant I3); a proposal that lost is audited as
 * ignored, and a losing update fails (handlers.ts).
 */
import { patched } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { AuditEventInput } from '../lib/audit/types.js';
import type { ApprovalDecision } from '../lib/domain.js';
import { childName } from '../lib/kinds.js';
import type { TargetResource } from '../lib/remediation-request.js';
import type { ApprovalState } from '../lib/remediation-view.js';
import { acts } from './activities.js';
import { APPROVAL_LADDER_PATCH, awaitLadder } from './approval-ladder.js';
import { approvalPriority, approvalRequestSpec, enrichment, type Selection } from './children.js';
import type { Remediation } from './context.js';

export type Decision = ApprovalDecision;
type Via = NonNullable<ApprovalState['decidedVia']>;
type Pending = NonNullable<Remediation['pendingDecision']>;

/**
 * Histories recorded before the arbiter took the decision from pendingDecision
 * first and overwrote the RAR; they replay through legacyDecision.
 */
export const APPROVAL_ARBITER_PATCH = 'approval-arbiter';

export interface Proposal {
  decision: Decision;
  decidedBy: string;
  message?: string;
  via: Via;
  authenticatedAs?: 'user' | 'service';
}

export async function awaitApproval(
  r: Remediation,
  aa: { name: string; status: Record<string, unknown> },
  sp: Record<string, unknown>,
  sel: Selection,
  deadline: number,
  ladderFor?: { target: TargetResource; globalDeadline: number },
): Promise<Decision> {
  // A RemediationPolicy's approval ladder, read once per remediation (I10); none: one approver (I3).
  if (ladderFor && patched(APPROVAL_LADDER_PATCH)) {
    const ladder = await acts.readApprovalLadder({
      namespace: r.owner.namespace,
      rrName: r.owner.name,
      target: ladderFor.target,
      confidence: sel.confidence,
    });
    if (ladder) return awaitLadder(r, ladder, aa, sp, sel, ladderFor.target, ladderFor.globalDeadline);
  }
  const name = childName('RemediationApprovalRequest', r.owner.name);
  const requiredBy = new Date(deadline).toISOString();
  r.view.approval = { required: true, requestName: name, requiredBy };
  await r.createChild(
    'RemediationApprovalRequest',
    name,
    approvalRequestSpec(r.owner, aa.name, aa.status, sel, requiredBy),
  );
  await r.enter(
    'AwaitingApproval',
    `Waiting for approval of ${sel.workflowId} (${sel.actionType}) until ${requiredBy}`,
  );
  await r.audit('orchestrator.approval.requested', 'pending', {
    approval_request: name,
    required_by: requiredBy,
    workflow_id: sel.workflowId,
    confidence: sel.confidence,
  });
  await r.notify('approval', {
    type: 'Approval',
    priority: approvalPriority(enrichment(sp).priority),
    subject: `Approval needed: ${sel.actionType} for ${r.spec.signalName}`,
    body: `Remediation ${r.owner.name} wants to run ${sel.workflowId} (confidence ${sel.confidence.toFixed(2)}). Approve with: kubernaut approve ${r.owner.name} --reason "…" (before ${requiredBy}).`,
  });

  // An RAR shows Expired before the workflow's own write only if a person wrote
  // it; no recorded history reads one, so counting it as a decision is replay-safe.
  const waited = await r.waitForChild(
    'RemediationApprovalRequest',
    name,
    (s) => s.decision === 'Approved' || s.decision === 'Rejected' || s.decision === 'Expired',
    deadline,
    () => r.pendingDecision !== undefined,
  );
  if (!patched(APPROVAL_ARBITER_PATCH)) return legacyDecision(r, name, requiredBy, waited);

  const pending = r.pendingDecision;
  const proposal: Proposal = pending
    ? { ...pending, message: pending.reason }
    : typeof waited === 'object'
      ? {
          decision: waited.status.decision as Decision,
          decidedBy: (waited.status.decidedBy as string | undefined) || 'kubectl',
          message: waited.status.decisionMessage as string | undefined,
          via: 'kubectl',
        }
      : {
          decision: 'Expired',
          decidedBy: 'system',
          message: `no decision before ${requiredBy}`,
          via: 'timeout',
        };
  const { recorded, ours } = await proposeDecision(r, name, proposal);

  // A pending decision that is not the one recorded lost — including one taken
  // while the arbiter ran. Dropped in the same step as the decision above, so a
  // waiting update handler sees either its own decision pending (it won) or none.
  const lost = r.pendingDecision && !(ours && r.pendingDecision === pending) ? r.pendingDecision : undefined;
  if (lost) r.pendingDecision = undefined;

  await auditRecordedDecision(r, name, recorded, actorOf(ours ? proposal : undefined));
  if (lost) await auditIgnoredDecision(r, lost, `${describeRecorded(r)} first`);
  return recorded.decision;
}

/**
 * Who the audit names as the actor of a decision. Only the API's authenticated
 * identity is an actor in its own right; a name in an update, a signal or an RAR
 * patch is a claim, kept in event_data.claimed_decided_by, and the orchestrator
 * (the default actor) reports it.
 */
function actorOf(ours: Proposal | undefined): Partial<AuditEventInput> {
  if (ours?.via === 'timeout') return { actor_type: 'service', actor_id: 'system' };
  if (ours?.authenticatedAs) return { actor_type: ours.authenticatedAs, actor_id: ours.decidedBy };
  return {};
}

/**
 * Proposes a decision to the arbiter (activities/approval.ts) and puts in the view what
 * the RAR recorded: the first decision recorded anywhere is final (I3). `ours`: the RAR
 * holds this proposal (the arbiter returns it itself when it recorded it, or had, before
 * a retry), not an earlier one.
 */
export async function proposeDecision(r: Remediation, name: string, proposal: Proposal) {
  const decidedAt = r.now();
  const recorded = await acts.writeApprovalDecision({
    namespace: r.owner.namespace,
    name,
    decision: proposal.decision,
    decidedBy: proposal.decidedBy,
    decidedAt,
    decidedVia: proposal.via,
    ...(proposal.message ? { decisionMessage: proposal.message } : {}),
  });
  const ours =
    recorded.decision === proposal.decision &&
    recorded.decidedBy === proposal.decidedBy &&
    recorded.decidedAt === decidedAt &&
    recorded.via === proposal.via;
  r.view.approval = {
    ...r.view.approval,
    decision: recorded.decision,
    decidedBy: recorded.decidedBy,
    decidedAt: recorded.decidedAt,
    decisionMessage: recorded.message,
    decidedVia: ours ? proposal.via : knownVia(recorded.via),
  };
  return { recorded, ours };
}

type Recorded = Awaited<ReturnType<typeof proposeDecision>>['recorded'];

/**
 * Audits the decision the RAR recorded (I3), for a single approval and for the ladder
 * alike. `actor`: who decided, when the recorded decision is this run's own proposal
 * (else the decider is only claimed); `more`: fields of the ladder, before the claim.
 */
export async function auditRecordedDecision(
  r: Remediation,
  name: string,
  recorded: Recorded,
  actor: Partial<AuditEventInput>,
  more: Record<string, unknown> = {},
): Promise<void> {
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
      ...more,
      ...(actor.actor_id ? {} : { claimed_decided_by: recorded.decidedBy }),
    },
    actor,
  );
}

function knownVia(via: string): Via {
  return (['update', 'signal', 'kubectl', 'timeout'] as const).find((v) => v === via) ?? 'kubectl';
}

/** "rejected by bob (kubectl) at …: reason" — the decision the RAR recorded. */
function describeRecorded(r: Remediation): string {
  const a = r.view.approval;
  return `${a.decision?.toLowerCase()} by ${a.decidedBy} (${a.decidedVia}) at ${a.decidedAt}${a.decisionMessage ? `: ${a.decisionMessage}` : ''}`;
}

/** Why a decision arriving now cannot be taken; undefined when it can. */
export function decisionRefusal(r: Remediation, refuseLate: boolean): string | undefined {
  const taken = r.view.approval.decision ?? r.pendingDecision?.decision;
  if (taken) return `remediation ${r.owner.name} was already ${taken.toLowerCase()}`;
  if (r.view.phase !== 'AwaitingApproval')
    return `no remediation ${r.owner.name} awaiting approval; it is ${r.view.phase}`;
  // Workflow time decides: after an outage, a decision sent in time but taken
  // after requiredBy is refused — the wait has expired, whatever the worker saw.
  const requiredBy = r.view.approval.requiredBy;
  if (refuseLate && requiredBy && Date.now() >= Date.parse(requiredBy))
    return `remediation ${r.owner.name} can no longer be decided: its approval window closed at ${requiredBy}`;
  return undefined;
}

/** The failure of an update whose decision lost to one recorded first. */
export function lostDecisionMessage(r: Remediation, asked: Pending): string {
  const what = asked.decision === 'Approved' ? 'approval' : 'rejection';
  return `remediation ${r.owner.name} was already ${describeRecorded(r)}; this ${what} by ${asked.decidedBy} was not recorded`;
}

/** Audits a decision that did not count (lost, late, or out of turn): who asked what, and why not. */
export async function auditIgnoredDecision(
  r: Remediation,
  asked: { decision: 'Approved' | 'Rejected'; decidedBy?: string; reason?: string; via: string },
  why: string,
): Promise<void> {
  await r.audit('orchestrator.approval.ignored', 'failure', {
    approval_request: r.view.approval.requestName,
    ignored_decision: asked.decision,
    claimed_decided_by: asked.decidedBy,
    decided_via: asked.via,
    decision_message: asked.reason,
    phase: r.view.phase,
    reason: why,
    ...(r.view.approval.decision
      ? { recorded_decision: r.view.approval.decision, recorded_decided_by: r.view.approval.decidedBy }
      : {}),
  });
}

/**
 * The decision as workflows took it before the arbiter: a pending update or signal
 * first, then the RAR, then the timeout — written over whatever the RAR held.
 * Kept only so their histories replay unchanged; its writeApprovalDecision never
 * runs (a replay reads results from the history).
 */
async function legacyDecision(
  r: Remediation,
  name: string,
  requiredBy: string,
  waited: ChildSnapshot | 'timeout' | 'interrupted',
): Promise<Decision> {
  let decision: Decision;
  let decidedBy: string;
  let message: string | undefined;
  let via: Via;
  if (r.pendingDecision) {
    ({ decision, decidedBy, reason: message, via } = r.pendingDecision);
  } else if (waited !== 'timeout' && waited !== 'interrupted') {
    decision = waited.status.decision as Decision;
    decidedBy = (waited.status.decidedBy as string | undefined) || 'kubectl';
    message = waited.status.decisionMessage as string | undefined;
    via = 'kubectl';
  } else {
    decision = 'Expired';
    decidedBy = 'system';
    message = `no decision before ${requiredBy}`;
    via = 'timeout';
  }
  const decidedAt = r.now();
  r.view.approval = {
    ...r.view.approval,
    decision,
    decidedBy,
    decidedAt,
    decisionMessage: message,
    decidedVia: via,
  };
  await acts.writeApprovalDecision({
    namespace: r.owner.namespace,
    name,
    decision,
    decidedBy,
    decidedAt,
    decidedVia: via,
    ...(message ? { decisionMessage: message } : {}),
  });
  await r.audit(
    `orchestrator.approval.${decision.toLowerCase()}`,
    decision === 'Approved' ? 'success' : 'failure',
    {
      approval_request: name,
      decision,
      decided_by: decidedBy,
      decided_at: decidedAt,
      decided_via: via,
      decision_message: message,
    },
    via === 'timeout'
      ? { actor_type: 'service', actor_id: 'system' }
      : { actor_type: 'user', actor_id: decidedBy },
  );
  return decision;
}
