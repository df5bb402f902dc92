/**
 * What the remediation workflow answers: the status query, the watchers' signals,
 * and the approval decisions — the approve/reject updates (validated, answered
 * with the final decision) and their signal twins. A decision only becomes
 * pending here; the approval step (approval.ts) has the RAR arbitrate it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { condition, patched, setHandler } from '@temporalio/workflow';
import {
  approveSignal,
  approveUpdate,
  childStatusChangedSignal,
  type DecisionInput,
  rejectSignal,
  rejectUpdate,
  routingChangedSignal,
  statusQuery,
} from '../lib/remediation-messages.js';
import {
  APPROVAL_ARBITER_PATCH,
  auditIgnoredDecision,
  decisionRefusal,
  lostDecisionMessage,
} from './approval.js';
import type { LadderProposal, Remediation } from './context.js';

const proposalOf = (decision: 'Approved' | 'Rejected', input: DecisionInput) => ({
  decision,
  decidedBy: input.decidedBy,
  ...(input.reason ? { reason: input.reason } : {}),
  ...(Array.isArray(input.groups) ? { groups: input.groups.filter((g) => typeof g === 'string') } : {}),
  ...(input.authenticatedAs ? { authenticatedAs: input.authenticatedAs } : {}),
});

/**
 * An approve/reject update under an approval ladder (I10): queued for the approval
 * step, which judges it; answered with the view once it counted or made the final
 * decision, failed with ApprovalRefused (the API's 403) when its decider may not
 * decide, with DecisionLost (409) when it did not count.
 */
async function ladderUpdate(r: Remediation, decision: 'Approved' | 'Rejected', input: DecisionInput) {
  if (r.view.phase !== 'AwaitingApproval' || r.view.approval.decision)
    throw ApplicationFailure.nonRetryable(`remediation ${r.owner.name} is no longer awaiting approval`);
  const mine: LadderProposal = { ...proposalOf(decision, input), via: 'update' };
  r.proposals.push(mine);
  await condition(() => mine.verdict !== undefined);
  const v = mine.verdict!;
  if (v.kind === 'refused') throw ApplicationFailure.nonRetryable(v.message, 'ApprovalRefused');
  if (v.kind === 'ignored') throw ApplicationFailure.nonRetryable(v.message, 'DecisionLost');
  return r.view;
}

export function installHandlers(r: Remediation) {
  setHandler(statusQuery, () => r.view);
  setHandler(childStatusChangedSignal, () => {
    r.childSignals++;
  });
  setHandler(routingChangedSignal, () => {
    r.routingSignals++;
  });
  // Before the decision: a pending update or signal, or a decision already taken.
  const canDecide = () =>
    r.view.phase === 'AwaitingApproval' && !r.pendingDecision && !r.view.approval.decision;
  // Validators leave no trace in the history, so they refuse late decisions unpatched.
  const validate = (input: DecisionInput) => {
    if (!input?.decidedBy) throw new Error('decidedBy is required');
    const refusal = decisionRefusal(r, true);
    if (refusal) throw new Error(refusal);
  };
  for (const [update, decision] of [
    [approveUpdate, 'Approved'],
    [rejectUpdate, 'Rejected'],
  ] as const) {
    setHandler(
      update,
      async (input) => {
        if (r.ladder) return ladderUpdate(r, decision, input);
        if (!canDecide())
          throw ApplicationFailure.nonRetryable(`remediation ${r.owner.name} is no longer awaiting approval`);
        const mine = {
          decision,
          decidedBy: input.decidedBy,
          reason: input.reason,
          via: 'update' as const,
          ...(input.authenticatedAs ? { authenticatedAs: input.authenticatedAs } : {}),
        };
        r.pendingDecision = mine;
        // Answer only once the RAR has recorded the final decision; the approval
        // step drops this pending decision if another was recorded first.
        await condition(() => r.view.approval.decision !== undefined);
        if (r.pendingDecision !== mine)
          throw ApplicationFailure.nonRetryable(lostDecisionMessage(r, mine), 'DecisionLost');
        return r.view;
      },
      { validator: validate },
    );
  }
  for (const [signal, decision] of [
    [approveSignal, 'Approved'],
    [rejectSignal, 'Rejected'],
  ] as const) {
    setHandler(signal, async (input) => {
      // Before the patch a signal that could not decide was dropped without a word.
      const arbiter = patched(APPROVAL_ARBITER_PATCH);
      const refusal = input?.decidedBy ? decisionRefusal(r, arbiter) : 'decidedBy is missing';
      if (!refusal && r.ladder) {
        // Judged by the ladder's step in arrival order; a refusal is audited there.
        r.proposals.push({ ...proposalOf(decision, input), via: 'signal' });
      } else if (!refusal) {
        r.pendingDecision = { decision, decidedBy: input.decidedBy, reason: input.reason, via: 'signal' };
      } else if (arbiter) {
        await auditIgnoredDecision(r, { ...input, decision, via: 'signal' }, refusal);
      }
    });
  }
}
