/**
 * The policy's mode (docs/policies.md, invariant I12), decided once a workflow is
 * selected: Automatic goes on as before; ApprovalRequired makes a person approve it;
 * Shadow runs the rest of the decision — approval requirement, routing, budget, the
 * WorkflowExecution spec — records it as `orchestrator.shadow.decided` and ends
 * Completed with outcome Shadow, having created, locked and spent nothing.
 */
import { childName } from '../lib/kinds.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { acts } from './activities.js';
import { workflowExecutionSpec } from './children.js';
import { type Ended, ended, type Lifecycle } from './lifecycle.js';
import type { Analysis } from './phases.js';
import { routingInput } from './routing.js';

/** Runs started before shadow mode existed never read a mode. */
export const SHADOW_PATCH = 'shadow-mode';

export async function decideMode(l: Lifecycle, a: Analysis): Promise<Ended | undefined> {
  const { r } = l;
  // One read, recorded in the history: every replay follows this answer (I12).
  const m = await acts.readRemediationMode({
    namespace: r.owner.namespace,
    targetNamespace: a.target.namespace ?? '',
    workflowId: a.sel.workflowId,
  });
  if (m.mode === 'Automatic') return undefined;
  if (m.mode === 'ApprovalRequired') {
    if (!a.approvalRequired) await requireApproval(a);
    return undefined;
  }
  return shadow(l, a, m.policy);
}

/** The policy asks for a person where the analysis did not: take the target's hash as analysing would. */
async function requireApproval(a: Analysis) {
  a.approvalRequired = true;
  if (a.aa.status.targetSpecHash !== undefined) return;
  const hash = await acts.readTargetSpecHash({ target: a.target });
  if (hash) a.aa.status = { ...a.aa.status, targetSpecHash: hash };
}

async function shadow(l: Lifecycle, a: Analysis, policy: string | undefined): Promise<Ended> {
  const { r } = l;
  const { sel, target } = a;
  // Exactly what executing() would create now, deadline included.
  const spec = workflowExecutionSpec(
    r.owner,
    target,
    sel,
    new Date(l.deadlineFor('executing')).toISOString(),
    false,
  );
  const verdict = await acts.evaluateRoutingDry(routingInput(r, target, sel));
  const { block, budget } = verdict;
  await r.audit('orchestrator.shadow.decided', 'success', {
    policy,
    workflow_id: sel.workflowId,
    action_type: sel.actionType,
    target: targetDisplay(target),
    // The signal's target, where a later signal of the same problem is reported (the report).
    signal_target: targetDisplay(r.spec.targetResource),
    target_namespace: target.namespace ?? '',
    signal_fingerprint: r.spec.signalFingerprint,
    would_require_approval: a.approvalRequired,
    routing: block
      ? { verdict: 'blocked', reason: block.reason, message: block.message, duplicate_of: block.duplicateOf }
      : { verdict: 'proceed' },
    budget: budget
      ? { verdict: 'exhausted', policy: budget.policy, limit: budget.limit }
      : { verdict: 'available' },
    workflow_execution: childName('WorkflowExecution', r.owner.name),
    workflow_execution_spec: spec,
  });
  const would = [
    a.approvalRequired ? 'after approval' : undefined,
    block ? `once ${block.reason} cleared` : undefined,
    budget ? `once ${budget.policy}'s budget frees up` : undefined,
  ].filter(Boolean);
  return ended(
    await r.finish('Completed', {
      outcome: 'Shadow',
      message: `Shadow: would run ${sel.workflowId} on ${targetDisplay(target)}${would.length ? ` ${would.join(', ')}` : ''}; nothing was done`,
    }),
  );
}
