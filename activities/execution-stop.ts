/**
 * Stopping a WorkflowExecution before the target lock goes (invariant I2,
 * docs/invariants.md). When Executing ends without the execution finishing — a
 * timeout, the RR deleted, a refused step — or a run ends in Executing and the
 * reconciler closes it out, the execution is marked cancelled (lib/execution-stop.ts
 * says how the WorkflowExecution controller honours that), and the lock is released
 * only once nothing it started still runs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  bundleJobNamespace,
  bundleJobRunning,
  type CancelReason,
  isCancelled,
  statusSaysStopped,
  targetNamespaceOf,
} from '../lib/execution-stop.js';
import { CHILD_KINDS } from '../lib/kinds.js';
import { isConflict, isNotFound } from '../lib/kube/client.js';
import { KubeObjects } from './kube-objects.js';

const plural = CHILD_KINDS.WorkflowExecution.plural;

export interface ExecutionRef {
  /** The controller namespace: the RR's and its WorkflowExecution's. */
  namespace: string;
  /** The WorkflowExecution. */
  name: string;
  /** The target's namespace, where a bundle Job runs; needed when the execution is gone. */
  targetNamespace?: string;
}

export type CancelOutcome =
  | { outcome: 'cancelled' | 'gone' }
  /** It finished on its own before it could be cancelled: its real outcome. */
  | { outcome: 'finished'; execution: { name: string; uid?: string; status: Record<string, unknown> } };

export function createExecutionStopActivities(kc: KubeConfig) {
  const objects = new KubeObjects(kc);

  /**
   * Whether nothing the execution started still runs: its status says it is over
   * (lib/execution-stop.ts statusSaysStopped) — or it is gone — and its bundle Job,
   * if it had one, has finished or is gone. Read-only.
   */
  async function executionStopped(ref: ExecutionRef): Promise<boolean> {
    const we = await objects.get(plural, ref.namespace, ref.name);
    if (we && !statusSaysStopped(we.status ?? {})) return false;
    const targetNamespace = we ? targetNamespaceOf(we.spec?.targetResource) : ref.targetNamespace;
    return !(await bundleJobRunning(kc, bundleJobNamespace(targetNamespace, ref.namespace), ref.name));
  }

  return {
    executionStopped,

    /**
     * Marks the execution cancelled — phase Failed, failureReason `reason` — unless
     * it finished first, in which case it keeps its real outcome and that is
     * answered. One never claimed by a controller is recorded Stopped at once (the
     * controller's claim is conditional on the version it read, so it loses to this
     * write and starts nothing); a running one is recorded Stopping, for its
     * controller to stop and confirm. Idempotent: the write is conditioned on the
     * resourceVersion read (a 409 reads again, so a Completed written in between
     * wins), and an execution already cancelled — by an earlier attempt, the
     * close-out, the RR's deletion — is left as it is.
     */
    async cancelExecution(
      input: ExecutionRef & { reason: CancelReason; message: string },
    ): Promise<CancelOutcome> {
      for (let attempt = 1; ; attempt++) {
        const we = await objects.get(plural, input.namespace, input.name);
        if (!we) return { outcome: 'gone' };
        const status = we.status ?? {};
        if (isCancelled(status)) return { outcome: 'cancelled' };
        if (status.phase === 'Completed' || status.phase === 'Failed')
          return { outcome: 'finished', execution: { name: input.name, uid: we.metadata.uid, status } };
        const started = status.phase === 'Running';
        try {
          await objects.mergeStatus(
            plural,
            input.namespace,
            input.name,
            {
              phase: 'Failed',
              failureReason: input.reason,
              completionTime: new Date().toISOString(),
              executionStatus: {
                status: started ? 'Stopping' : 'Stopped',
                reason: input.reason,
                message: started ? input.message : `${input.message}; it had not started`,
              },
            },
            we.metadata.resourceVersion,
          );
          return { outcome: 'cancelled' };
        } catch (err) {
          if (isNotFound(err)) return { outcome: 'gone' };
          if (!isConflict(err) || attempt >= 5) throw err;
        }
      }
    },
  };
}

export type ExecutionStopActivities = ReturnType<typeof createExecutionStopActivities>;
