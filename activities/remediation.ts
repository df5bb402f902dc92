/**
 * Activities of the remediation workflow. Each one is idempotent, so Temporal may
 * retry it after a timeout or a worker crash without a duplicate side effect; the
 * doc comment of each says why. Those marked "local" run as local activities
 * (workflows/activities.ts): inside the workflow task, where a worker crash or a
 * failed workflow task re-runs them with no record of the earlier attempt — the
 * same idempotence covers that.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { writeWorkflowEvent } from '../lib/audit/derived-id.js';
import type { AuditEventInput, AuditWriter } from '../lib/audit/types.js';
import { API_VERSION, isTerminalPhase } from '../lib/domain.js';
import { CHILD_KINDS, type ChildKind } from '../lib/kinds.js';
import { isConflict, isNotFound, statusOf } from '../lib/kube/client.js';
import { targetSpecHash } from '../lib/kube/target.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { traceAnnotations } from '../lib/tracing/context.js';
import { createApprovalActivities } from './approval.js';
import { createExecutionStopActivities } from './execution-stop.js';
import { type KubeObject, KubeObjects } from './kube-objects.js';
import { createRemediationModeActivities } from './remediation-mode.js';
import { createRollbackActivities } from './rollback.js';
import { createRoutingActivities } from './routing.js';

export interface EnsureChildInput {
  kind: ChildKind;
  namespace: string;
  name: string;
  owner: { name: string; uid: string };
  spec: Record<string, unknown>;
  labels?: Record<string, string>;
}

export interface ChildSnapshot {
  name: string;
  uid?: string;
  status: Record<string, unknown>;
}

export interface ActivityDeps {
  kc: KubeConfig;
  audit: AuditWriter;
}

export function createRemediationActivities({ kc, audit }: ActivityDeps) {
  const objects = new KubeObjects(kc);
  /** Whether any RR this child names as owner still exists (same name and uid). */
  const ownerExists = async (child: KubeObject) => {
    for (const ref of child.metadata.ownerReferences ?? []) {
      if (ref.kind !== 'RemediationRequest') continue;
      const owner = await objects.get('remediationrequests', child.metadata.namespace!, ref.name);
      if (owner?.metadata.uid === ref.uid) return true;
    }
    return false;
  };

  return {
    ...createRoutingActivities(kc),
    // rollbackPlan, restorePriorState, readTargetHealth: the rollback step (activities/rollback.ts).
    ...createRollbackActivities(kc),
    // readRemediationMode: the policy's mode, read at decision time (I12).
    ...createRemediationModeActivities(kc),
    // writeApprovalDecision: the approval arbiter (activities/approval.ts).
    ...createApprovalActivities(objects),
    // cancelExecution, executionStopped: the lock outlives the execution (I2).
    ...createExecutionStopActivities(kc),

    /**
     * Creates a child resource unless it exists. Idempotent: the name is
     * deterministic, we read before creating, and a create that loses a race (409)
     * reads the winner. A same-named child owned by a different RR uid is refused,
     * or, if that RR is gone, waited out (retried) until garbage collection removes it.
     * Local: a re-run after a lost workflow task (even one racing the earlier
     * attempt, still running on a stalled worker) finds the child that attempt
     * created under the same name, or loses the create with a 409 and reads it.
     */
    async ensureChild(input: EnsureChildInput): Promise<{ name: string; uid: string; created: boolean }> {
      const { plural } = CHILD_KINDS[input.kind];
      const owned = (o: KubeObject) => o.metadata.ownerReferences?.some((r) => r.uid === input.owner.uid);
      const existing = await objects.get(plural, input.namespace, input.name);
      if (existing) {
        if (!owned(existing)) {
          // Left by an RR of this name that was deleted (the garbage collector removes
          // it shortly): wait for that rather than fail the RR re-created in its place.
          if (existing.metadata.deletionTimestamp || !(await ownerExists(existing))) {
            throw ApplicationFailure.retryable(
              `${input.kind} ${input.namespace}/${input.name} is left from a deleted RemediationRequest; waiting for its garbage collection`,
              'ChildAwaitingCollection',
            );
          }
          throw ApplicationFailure.nonRetryable(
            `${input.kind} ${input.namespace}/${input.name} exists but belongs to another RemediationRequest`,
            'ChildOwnedByOther',
          );
        }
        return { name: input.name, uid: existing.metadata.uid!, created: false };
      }
      // With tracing on, the child carries this activity's span: its controller's
      // reconciles and the watcher's signals join the incident's trace (docs/tracing.md).
      const trace = traceAnnotations();
      const body: KubeObject = {
        apiVersion: API_VERSION,
        kind: input.kind,
        metadata: {
          name: input.name,
          namespace: input.namespace,
          ...(Object.keys(trace).length ? { annotations: trace } : {}),
          labels: { 'kubernaut.ai/remediation-request': input.owner.name, ...input.labels },
          ownerReferences: [
            { kind: 'RemediationRequest', name: input.owner.name, uid: input.owner.uid, controller: true },
          ].map((r) => ({ ...r, apiVersion: API_VERSION, blockOwnerDeletion: true })),
        },
        spec: input.spec,
      };
      try {
        const created = await objects.create(plural, input.namespace, body);
        return { name: input.name, uid: created.metadata.uid!, created: true };
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
        const winner = await objects.get(plural, input.namespace, input.name);
        if (!winner || !owned(winner)) throw err;
        return { name: input.name, uid: winner.metadata.uid!, created: false };
      }
    },

    /**
     * Reads a child's status. Read-only, so trivially idempotent. Local: a re-run
     * reads afresh and its answer replaces the lost one; nothing was changed.
     */
    async readChild(input: {
      kind: ChildKind;
      namespace: string;
      name: string;
    }): Promise<ChildSnapshot | null> {
      const obj = await objects.get(CHILD_KINDS[input.kind].plural, input.namespace, input.name);
      return obj ? { name: obj.metadata.name, uid: obj.metadata.uid, status: obj.status ?? {} } : null;
    },

    /**
     * Projects the workflow's view onto the RR status. Idempotent: a merge patch of
     * absolute values (no increments), so writing the same view twice is a no-op.
     * Answers 'gone' when the RR no longer exists (deleted: the workflow is being
     * cancelled) or has a different uid (a new RR under the same name).
     * Local: a re-run after a lost workflow task rewrites the same view. But the
     * earlier attempt may still be running on a stalled worker, so its write can
     * land after a later step's: a non-terminal one is overwritten by the next
     * status write, and a terminal status is never replaced at all ('stale') — the
     * workflow writes nothing after its terminal status, the reconciler's close-out
     * racing it loses, and the launcher starts no workflow for a terminal RR.
     */
    async writeRemediationStatus(input: {
      namespace: string;
      name: string;
      uid: string;
      status: Record<string, unknown>;
    }): Promise<'written' | 'gone' | 'stale'> {
      for (let attempt = 1; ; attempt++) {
        const current = await objects.get('remediationrequests', input.namespace, input.name);
        if (!current || current.metadata.uid !== input.uid) return 'gone';
        // A terminal status is final: nothing replaces it, not even another terminal
        // one (a close-out racing the workflow's own finish, or a local activity of a
        // discarded workflow task writing TimedOut over Failed).
        if (isTerminalPhase(current.status?.overallPhase as string)) return 'stale';
        try {
          // Conditioned on the version read, so a terminal status written since the
          // check above makes this write conflict and look again.
          const version = current.metadata.resourceVersion;
          await objects.mergeStatus(
            'remediationrequests',
            input.namespace,
            input.name,
            input.status,
            version,
          );
          return 'written';
        } catch (err) {
          if (isNotFound(err)) return 'gone';
          if (!isConflict(err) || attempt >= 5) throw err;
        }
      }
    },

    /**
     * Writes one audit event. Idempotent: the event id is derived from (workflow id,
     * run id, sequence number), and the writer stores an id with the same content
     * only once. Local: the replay after a lost workflow task hands out the same
     * sequence numbers, so a re-run (or the earlier attempt finishing late) writes
     * the same ids (lib/audit/derived-id.ts says what happens when the re-run's
     * content differs: a later clock, or another event at that number).
     */
    async recordAuditEvent(input: {
      workflowId: string;
      runId: string;
      seq: number;
      event: AuditEventInput;
    }) {
      return writeWorkflowEvent(audit, input);
    },

    /** Hash of the target's spec now, or null if it is gone. Read-only. */
    async readTargetSpecHash(input: { target: TargetResource }): Promise<string | null> {
      return targetSpecHash(kc, input.target);
    },

    /**
     * Marks non-terminal children Failed with reason ParentCancelled. Idempotent:
     * a merge patch of absolute values; children already terminal or gone are skipped.
     */
    async markChildrenCancelled(input: { namespace: string; children: { kind: ChildKind; name: string }[] }) {
      let marked = 0;
      for (const c of input.children) {
        const { plural } = CHILD_KINDS[c.kind];
        const obj = await objects.get(plural, input.namespace, c.name);
        const phase = obj?.status?.phase as string | undefined;
        if (
          !obj ||
          c.kind === 'RemediationApprovalRequest' ||
          ['Completed', 'Failed', 'Sent', 'PartiallySent'].includes(phase ?? '')
        )
          continue;
        await objects
          .mergeStatus(plural, input.namespace, c.name, {
            phase: 'Failed',
            // Each kind keeps the reason in its own field; the others are pruned by the schema.
            reason: 'ParentCancelled',
            failureReason: 'ParentCancelled',
            message: 'ParentCancelled: the RemediationRequest was deleted',
          })
          .catch((err) => {
            if (!isNotFound(err)) throw err;
          });
        marked++;
      }
      return marked;
    },
  };
}

export type RemediationActivities = ReturnType<typeof createRemediationActivities>;
