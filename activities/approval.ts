/**
 * The approval arbiter (DESIGN §5.4, invariant I3): the RAR status records the
 * first decision taken anywhere, and nothing replaces it. The workflow proposes a
 * decision (from an update, a signal, the RAR it read, or the timeout); this
 * activity records it only when the RAR carries none, and answers with the
 * decision actually recorded — which the workflow then takes as final.
 */
import type { ApprovalDecision } from '../lib/domain.js';
import { APPROVAL_DECISIONS } from '../lib/domain.js';
import { isConflict, isNotFound } from '../lib/kube/client.js';
import type { KubeObjects } from './kube-objects.js';

const PLURAL = 'remediationapprovalrequests';
/** Conflicts met in one attempt before the activity's own retry takes over. */
const MAX_CONFLICTS = 5;

/** A decision as the RAR records it. `via` is the route it came by (update, signal, kubectl, timeout). */
export interface RecordedDecision {
  decision: ApprovalDecision;
  decidedBy: string;
  decidedAt: string;
  message?: string;
  via: string;
}

export interface ProposedDecision {
  namespace: string;
  name: string;
  decision: ApprovalDecision;
  decidedBy: string;
  decidedAt: string;
  decidedVia: string;
  decisionMessage?: string;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The RAR status fields that say a decision, in the RAR CRD's vocabulary. */
function statusFields(d: RecordedDecision): Record<string, unknown> {
  return {
    decision: d.decision,
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt,
    decidedVia: d.via,
    ...(d.message ? { decisionMessage: d.message } : {}),
    expired: d.decision === 'Expired',
    reason: d.decision,
    message: `${d.decision} by ${d.decidedBy}${d.message ? `: ${d.message}` : ''}`,
  };
}

/**
 * The decision the RAR status already carries, if any. A person's kubectl patch
 * may set only `decision`: the missing who/when/how are taken as "kubectl", "when
 * the workflow saw it" and "kubectl", as the workflow reports them.
 */
function recordedIn(status: Record<string, unknown>, seenAt: string): RecordedDecision | undefined {
  const decision = status.decision as ApprovalDecision;
  if (!APPROVAL_DECISIONS.includes(decision)) return undefined; // "" means pending
  return {
    decision,
    decidedBy: text(status.decidedBy) ?? 'kubectl',
    decidedAt: text(status.decidedAt) ?? seenAt,
    message: text(status.decisionMessage),
    via: text(status.decidedVia) ?? 'kubectl',
  };
}

export function createApprovalActivities(objects: KubeObjects) {
  return {
    /**
     * Records the proposed decision in the RAR status unless a decision is already
     * there, and returns the decision recorded — the proposal, or the earlier one
     * that wins over it. Never replaces a decision: the write is conditioned on the
     * resourceVersion read, so a kubectl patch landing between the read and the
     * write makes it fail with 409, and the re-read finds (and returns) that patch.
     * An earlier decision missing some of its bookkeeping fields (a bare kubectl
     * `decision`) gets only the missing ones, under the same condition.
     * Idempotent: a retry after a write that succeeded (but whose answer was lost)
     * finds that write recorded and returns it unchanged, writing nothing; every
     * field written is an absolute value. A RAR deleted meanwhile records nothing,
     * and the proposal stands (no one else can have recorded anything there).
     */
    async writeApprovalDecision(input: ProposedDecision): Promise<RecordedDecision> {
      const proposed: RecordedDecision = {
        decision: input.decision,
        decidedBy: input.decidedBy,
        decidedAt: input.decidedAt,
        via: input.decidedVia,
        ...(input.decisionMessage ? { message: input.decisionMessage } : {}),
      };
      for (let conflicts = 0; ; ) {
        const current = await objects.get(PLURAL, input.namespace, input.name);
        if (!current) return proposed;
        const status = current.status ?? {};
        const earlier = recordedIn(status, input.decidedAt);
        const final = earlier ?? proposed;
        const patch = Object.fromEntries(
          Object.entries(statusFields(final)).filter(
            ([k]) => !earlier || status[k] === undefined || status[k] === '',
          ),
        );
        if (Object.keys(patch).length === 0) return final;
        try {
          const version = current.metadata.resourceVersion;
          await objects.mergeStatus(PLURAL, input.namespace, input.name, patch, version);
          return final;
        } catch (err) {
          if (isNotFound(err)) continue; // deleted meanwhile: the re-read says so
          if (!isConflict(err) || ++conflicts >= MAX_CONFLICTS) throw err;
        }
      }
    },
  };
}
