/**
 * The approval step (DESIGN §5.4): create the RAR and an Approval notification,
 * then take the first valid decision from an update, a signal, or a kubectl patch
 * of the RAR status; expiry is its own outcome (Expired by system).
 */
import { childName } from '../lib/kinds.js';
import { acts } from './activities.js';
import { approvalPriority, approvalRequestSpec, enrichment, type Selection } from './children.js';
import type { Remediation } from './context.js';

export type Decision = 'Approved' | 'Rejected' | 'Expired';

export async function awaitApproval(
  r: Remediation,
  aa: { name: string; status: Record<string, unknown> },
  sp: Record<string, unknown>,
  sel: Selection,
  deadline: number,
): Promise<Decision> {
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

  const waited = await r.waitForChild(
    'RemediationApprovalRequest',
    name,
    (s) => s.decision === 'Approved' || s.decision === 'Rejected',
    deadline,
    () => r.pendingDecision !== undefined,
  );
  let decision: Decision;
  let decidedBy: string;
  let message: string | undefined;
  let via: 'update' | 'signal' | 'kubectl' | 'timeout';
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
