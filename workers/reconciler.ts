/**
 * The reconciler makes RemediationRequests and their workflow runs agree on the
 * paths the workflow itself cannot cover (docs/invariants.md):
 *  - I1: a non-terminal RR whose run has closed is closed out (close-out.ts);
 *  - I4: a restored RR (reconstruction label) gets its status back and never runs
 *    (restore.ts);
 *  - I5: a running workflow whose RR is gone is cancelled — the launcher's cancel on
 *    delete is a single call that a worker restart or a Temporal blip can lose;
 *  - a non-terminal RR with no run at all (a start lost the same way) is started.
 * A pass runs at start, every `intervalMs`, and on demand; passes never overlap.
 * Every action is idempotent, so two worker replicas reconciling at once are safe.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type pg from 'pg';
import { createHeldLockActivities } from '../activities/held-locks.js';
import { type KubeObject, KubeObjects } from '../activities/kube-objects.js';
import type { RemediationActivities } from '../activities/remediation.js';
import { isTerminalPhase } from '../lib/domain.js';
import { kubeClients } from '../lib/kube/client.js';
import { RECONSTRUCTED_LABEL } from '../lib/reconstruct/build.js';
import { workflowIdFor } from '../lib/remediation-messages.js';
import type { RemediationInput } from '../workflows/remediation.js';
import { CLOSE_OUT_REASON, type ClosedRunStatus, closeOut } from './close-out.js';
import { workerMetrics } from './metrics.js';
import { inRemediationTrace } from './remediation-trace.js';
import { restoreReconstructed } from './restore.js';
import { startRemediation } from './start-remediation.js';

export interface ReconcilerOptions {
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
  /** Time between passes (KUBERNAUT_RECONCILE_INTERVAL_MS; default 30 s). */
  intervalMs?: number;
  log: (msg: string) => void;
}

export interface Reconciler {
  /** The first pass has run. */
  ready: Promise<void>;
  /** Runs a pass now (after the one in progress, if any). */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

export const isRestored = (rr: KubeObject) => rr.metadata.labels?.[RECONSTRUCTED_LABEL] === 'true';

export function startReconciler(opts: ReconcilerOptions): Reconciler {
  const objects = new KubeObjects(opts.kc);
  const { custom } = kubeClients(opts.kc);
  const acts = {
    ...opts.activities,
    ...createHeldLockActivities(opts.kc),
  };
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  const listRRs = async (): Promise<KubeObject[]> => {
    if (opts.namespace) return objects.list('remediationrequests', opts.namespace);
    const list = (await custom.listClusterCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      plural: 'remediationrequests',
    })) as { items: KubeObject[] };
    return list.items;
  };

  /** Running remediation workflows by id, with the RR uid their memo names. */
  const listRunning = async () => {
    const running = new Map<string, { runId: string; uid?: string }>();
    // This worker's task queue only: workers of other clusters may share the Temporal
    // namespace, and their RRs are not in our apiserver.
    const query = `WorkflowType = 'remediationWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${opts.taskQueue.replace(/'/g, "''")}'`;
    for await (const wf of opts.client.workflow.list({ query })) {
      const uid = (wf.memo as { uid?: string } | undefined)?.uid;
      running.set(wf.workflowId, { runId: wf.runId, uid });
    }
    return running;
  };

  /**
   * Starts an RR's run, in the RR's trace like the launcher's start (it may win the
   * race with the launcher: whichever start comes first is the run).
   */
  const start = (rr: KubeObject) =>
    inRemediationTrace(objects, rr, true, () =>
      startRemediation(opts.client, rr, opts.taskQueue, opts.settings, opts.runSlackMs),
    );

  /** An RR with no run going (per visibility): look closer, then start, close out, or leave it. */
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
    // The run closed; the status it may have written since our list is checked by
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

  /** A running workflow whose RR is gone (re-read first: it may have been created since our list). */
  const cancelOrphan = async (workflowId: string, runId: string, uid: string | undefined) => {
    const m = /^rr\/([^/]+)\/(.+)$/.exec(workflowId);
    if (!m) return;
    const [, ns, name] = m;
    if (opts.namespace && ns !== opts.namespace) return;
    const rr = await objects.get('remediationrequests', ns!, name!);
    if (rr && rr.metadata.uid === uid && !rr.metadata.deletionTimestamp) return;
    opts.log(`cancelling ${workflowId}: its RemediationRequest is gone`);
    await opts.client.workflow
      .getHandle(workflowId, runId)
      .cancel()
      .then(
        () => workerMetrics.orphanCancels.inc(),
        () => {}, // closed meanwhile
      );
  };

  const runPass = async () => {
    const rrs = await listRRs();
    const running = await listRunning();
    const live = new Set<string>();
    for (const rr of rrs) {
      if (stopped) return;
      const id = workflowIdFor(rr.metadata.namespace ?? 'default', rr.metadata.name);
      const wf = running.get(id);
      if (wf?.uid === rr.metadata.uid) live.add(id);
      if (rr.metadata.deletionTimestamp || isTerminalPhase(rr.status?.overallPhase as string | undefined))
        continue;
      try {
        if (isRestored(rr)) await restoreReconstructed({ acts, pool: opts.pool }, rr);
        else if (!live.has(id)) await settle(rr);
      } catch (err) {
        opts.log(`reconcile ${id}: ${(err as Error).message}`);
      }
    }
    for (const [id, wf] of running) {
      if (stopped) return;
      if (live.has(id)) continue;
      await cancelOrphan(id, wf.runId, wf.uid).catch((err) =>
        opts.log(`reconcile ${id}: ${(err as Error).message}`),
      );
    }
  };

  // At most one pass waiting behind the running one: a burst of requests is one pass.
  let queued: Promise<void> | undefined;
  const pass = () => {
    queued ??= current.then(() => {
      queued = undefined;
      return runPass().catch((err) => opts.log(`reconcile pass: ${(err as Error).message}`));
    });
    current = queued;
    return queued;
  };
  const ready = pass();
  const timer = setInterval(() => void pass(), opts.intervalMs ?? 30_000);
  timer.unref();
  return {
    ready,
    pass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
