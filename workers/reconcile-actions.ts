/**
 * The reconciler's actions on one RR or one run (docs/invariants.md I1, I4, I5), shared
 * by its full pass and its changes pass (reconciler.ts). Each re-reads what it acts on
 * and is idempotent, so a stale view, a repeated pass or two worker replicas acting at
 * once do nothing twice:
 *  - a start is one run per RR uid (start-remediation.ts);
 *  - a close-out never replaces a terminal status and derives its ids from the closed
 *    run (close-out.ts);
 *  - a restore writes the status the audit trail gives, the same every time (restore.ts);
 *  - a cancel of a closed run is refused by Temporal (not found) and ignored.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type pg from 'pg';
import { createHeldLockActivities } from '../activities/held-locks.js';
import { type KubeObject, KubeObjects } from '../activities/kube-objects.js';
import type { RemediationActivities } from '../activities/remediation.js';
import { isTerminalPhase } from '../lib/domain.js';
import { RECONSTRUCTED_LABEL } from '../lib/reconstruct/build.js';
import { workflowIdFor } from '../lib/remediation-messages.js';
import type { RemediationInput } from '../workflows/remediation.js';
import { CLOSE_OUT_REASON, type ClosedRunStatus, closeOut } from './close-out.js';
import { workerMetrics } from './metrics.js';
import { inRemediationTrace } from './remediation-trace.js';
import { restoreReconstructed } from './restore.js';
import { startRemediation } from './start-remediation.js';

export interface ActionOptions {
  client: Client;
  kc: KubeConfig;
  /** The worker's own activities (one set of clients per process), called directly. */
  activities: RemediationActivities;
  pool: pg.Pool;
  taskQueue: string;
  namespace?: string;
  settings?: RemediationInput['settings'];
  /** Each run's slack past its global timeout (run-backstop.ts). */
  runSlackMs?: number;
  log: (msg: string) => void;
}

export const isRestored = (rr: KubeObject) => rr.metadata.labels?.[RECONSTRUCTED_LABEL] === 'true';

/** An RR that is neither being deleted nor finished: the reconciler may have work on it. */
export const isOpen = (rr: KubeObject) =>
  !rr.metadata.deletionTimestamp && !isTerminalPhase(rr.status?.overallPhase as string | undefined);

/** The RR a remediation workflow id names (`rr/<namespace>/<name>`), if it is one. */
export function rrOfWorkflow(workflowId: string): { namespace: string; name: string } | undefined {
  const m = /^rr\/([^/]+)\/(.+)$/.exec(workflowId);
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}

export type ReconcileActions = ReturnType<typeof reconcileActions>;

export function reconcileActions(opts: ActionOptions) {
  const objects = new KubeObjects(opts.kc);
  const acts = { ...opts.activities, ...createHeldLockActivities(opts.kc) };
  const inScope = (namespace: string) => !opts.namespace || namespace === opts.namespace;

  /**
   * Starts an RR's run, in the RR's trace like the launcher's start (it may win the
   * race with the launcher: whichever start comes first is the run).
   */
  const start = (rr: KubeObject) =>
    inRemediationTrace(objects, rr, true, () =>
      startRemediation(opts.client, rr, opts.taskQueue, opts.settings, opts.runSlackMs),
    );

  /** An open RR with no run going (as far as the caller knows): look closer, then start, close out, or leave it. */
  const settle = async (rr: KubeObject) => {
    const ns = rr.metadata.namespace ?? 'default';
    const id = workflowIdFor(ns, rr.metadata.name);
    let run: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>;
    try {
      run = await opts.client.workflow.getHandle(id).describe();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await start(rr);
      return;
    }
    const status = run.status.name;
    if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') return;
    if ((run.memo as { uid?: string } | undefined)?.uid !== rr.metadata.uid) {
      // The closed run was another RR's of this name: this one has not started yet.
      await start(rr);
      return;
    }
    // The run closed; the status it may have written since our read is checked by
    // the close-out's last step (a terminal status is never replaced).
    opts.log(`closing out ${ns}/${rr.metadata.name}: its run ${run.runId} ended ${status.toLowerCase()}`);
    const closed = await closeOut({ acts, objects }, rr, {
      workflowId: id,
      runId: run.runId,
      status: status as ClosedRunStatus,
      closeTime: run.closeTime ?? new Date(),
    });
    if (closed === 'closed')
      workerMetrics.closeOuts.inc({ reason: CLOSE_OUT_REASON[status as ClosedRunStatus] });
  };

  /** An open RR: restored ones get their status back (I4), the others are settled. */
  const reconcile = (rr: KubeObject) =>
    isRestored(rr) ? restoreReconstructed({ acts, pool: opts.pool }, rr) : settle(rr);

  /** Re-reads the RR `namespace/name` and reconciles it if it is open and in scope. */
  const reconcileByKey = async (key: string) => {
    const slash = key.indexOf('/');
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    if (!inScope(namespace)) return;
    const rr = await objects.get('remediationrequests', namespace, name);
    if (rr && isOpen(rr)) await reconcile(rr);
  };

  /**
   * A run of this RR name closed (by visibility): if it was the run of the RR that is
   * there now and that RR is still open, close it out. Another RR of the same name
   * (different uid) is not this run's to settle.
   */
  const reconcileClosedRun = async (workflowId: string, uid: string | undefined) => {
    const ref = rrOfWorkflow(workflowId);
    if (!ref || !inScope(ref.namespace)) return;
    const rr = await objects.get('remediationrequests', ref.namespace, ref.name);
    if (!rr || rr.metadata.uid !== uid || !isOpen(rr)) return;
    await reconcile(rr);
  };

  /**
   * A running workflow whose RR is gone (re-read first: it may have been created since
   * the caller looked). Only the run of the RR uid given is cancelled: a newer RR of
   * the same name keeps its own.
   */
  const cancelOrphan = async (workflowId: string, runId: string | undefined, uid: string | undefined) => {
    const ref = rrOfWorkflow(workflowId);
    if (!ref || !inScope(ref.namespace)) return;
    const rr = await objects.get('remediationrequests', ref.namespace, ref.name);
    if (rr && rr.metadata.uid === uid && !rr.metadata.deletionTimestamp) return;
    const handle = opts.client.workflow.getHandle(workflowId, runId);
    if (!runId) {
      // From the launcher's queue: which run is going, and whose is it?
      const run = await handle.describe().catch((err) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
      if (run?.status.name !== 'RUNNING') return;
      if (uid && (run.memo as { uid?: string } | undefined)?.uid !== uid) return;
    }
    opts.log(`cancelling ${workflowId}: its RemediationRequest is gone`);
    await handle.cancel().then(
      () => workerMetrics.orphanCancels.inc(),
      (err) => {
        // Closed meanwhile: nothing to cancel. Anything else (Temporal away) is the
        // caller's to retry: a queued cancel goes back in the queue.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      },
    );
  };

  return { reconcile, reconcileByKey, reconcileClosedRun, cancelOrphan };
}
