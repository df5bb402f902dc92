/**
 * The approval arbiter (DESIGN §5.4, invariant I3): the RAR status records the
 * first decision taken anywhere, and nothing replaces it. The workflow proposes a
 * decision (from an update, a signal, the RAR it read, or the timeout); this
 * activity records it only when the RAR carries none, and answers with the
 * decision actually recorded — which the workflow then takes as final.
 */
import * as k8s from '@kubernetes/client-node';
import {
  type ApprovalPolicy,
  applicablePolicy,
  approvalPolicyOf,
  CREATED_BY_ANNOTATION,
  type Ladder,
  ladderFor,
  REQUESTED_BY_ANNOTATION,
  targetResourceAttributes,
} from '../lib/approval-ladder.js';
import type { ApprovalDecision } from '../lib/domain.js';
import { APPROVAL_DECISIONS } from '../lib/domain.js';
import { isConflict, isNotFound } from '../lib/kube/client.js';
import type { TargetResource } from '../lib/remediation-request.js';
import type { KubeObjects } from './kube-objects.js';

/** The ladder's progress as the RAR status shows it (all absolute values). */
export interface ApprovalProgress {
  approvalPolicy: string;
  currentTier: number;
  tierName: string;
  tiers: number;
  tierDeadline: string;
  eligibleApprovers: { users: string[]; groups: string[] };
  approvalsRequired: number;
  approvalsNeeded: number;
  riskyBecause: string[];
  approvals: { approver: string; approvedAt: string; via: string; message?: string }[];
}

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
  const core = objects.kc.makeApiClient(k8s.CoreV1Api);
  const authz = objects.kc.makeApiClient(k8s.AuthorizationV1Api);

  /** The approval policies of the RRs' namespace; none where the kind is not installed. */
  async function approvalPolicies(namespace: string): Promise<ApprovalPolicy[]> {
    try {
      const items = await objects.list('remediationpolicies', namespace);
      return items.flatMap((p) => approvalPolicyOf(p.metadata.name, p.spec) ?? []);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  return {
    /**
     * The approval ladder of one remediation (I10), or null when no RemediationPolicy
     * with an `approval` section covers its target (one approver, I3, as before).
     * Read once, when the remediation reaches approval, so a policy changed since
     * applies from the next remediation on, with no restart. Read-only: idempotent.
     */
    async readApprovalLadder(input: {
      namespace: string;
      rrName: string;
      target: TargetResource;
      confidence: number;
    }): Promise<Ladder | null> {
      const policy = applicablePolicy(await approvalPolicies(input.namespace), input.target.namespace ?? '');
      if (!policy) return null;
      const rr = await objects.get('remediationrequests', input.namespace, input.rrName);
      const annotations = rr?.metadata.annotations ?? {};
      let namespaceLabels: Record<string, string> = {};
      if (policy.quorum?.when?.namespaceLabels && input.target.namespace) {
        try {
          const ns = await core.readNamespace({ name: input.target.namespace });
          namespaceLabels = ns.metadata?.labels ?? {};
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return ladderFor(policy, {
        target: input.target,
        namespaceLabels,
        confidence: input.confidence,
        createdBy: annotations[CREATED_BY_ANNOTATION],
        requestedBy: annotations[REQUESTED_BY_ANNOTATION],
      });
    },

    /**
     * Whether a user (with the groups known for them) may `update` the target: a
     * SubjectAccessReview, so the cluster's own RBAC answers. Read-only: idempotent.
     */
    async checkTargetRights(input: {
      user: string;
      groups?: string[];
      target: TargetResource;
    }): Promise<{ allowed: boolean; reason: string }> {
      const attrs = targetResourceAttributes(input.target);
      const review = await authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: input.user,
            ...(input.groups?.length ? { groups: input.groups } : {}),
            resourceAttributes: attrs,
          },
        },
      });
      const what = `update ${attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource}/${attrs.name}${attrs.namespace ? ` in ${attrs.namespace}` : ''}`;
      const allowed = review.status?.allowed === true;
      return {
        allowed,
        reason: allowed
          ? `${input.user} may ${what}`
          : `${input.user} may not ${what} (SubjectAccessReview${review.status?.reason ? `: ${review.status.reason}` : ''})`,
      };
    },

    /**
     * Shows the ladder's progress in the RAR status: tier, its deadline, who may
     * decide, approvals so far and still needed. Idempotent: a merge patch of absolute
     * values; the workflow is the only writer of these fields. `init` also starts an
     * empty status.responses (kubectl appends to it) unless people already have.
     * A RAR deleted meanwhile is left alone.
     */
    async writeApprovalProgress(input: {
      namespace: string;
      name: string;
      progress: ApprovalProgress;
      init?: boolean;
    }): Promise<void> {
      for (let conflicts = 0; ; ) {
        const current = await objects.get(PLURAL, input.namespace, input.name);
        if (!current) return;
        const patch: Record<string, unknown> = { ...input.progress };
        if (input.init && !Array.isArray(current.status?.responses)) patch.responses = [];
        try {
          await objects.mergeStatus(
            PLURAL,
            input.namespace,
            input.name,
            patch,
            current.metadata.resourceVersion,
          );
          return;
        } catch (err) {
          if (isNotFound(err)) return;
          if (!isConflict(err) || ++conflicts >= MAX_CONFLICTS) throw err;
        }
      }
    },

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
