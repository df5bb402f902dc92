/**
 * The reconciler makes RemediationRequests and their workflow runs agree on the
 * paths the workflow itself cannot cover (docs/invariants.md):
 *  - I1: a non-terminal RR whose run has closed is closed out (close-out.ts);
 *  - I4: a restored RR (reconstruction label) gets its status back and never runs
 *    (restore.ts);
 *  - I5: a running workflow whose RR is gone is cancelled — the launcher's cancel on
 *    delete is a single call that a worker restart or a Temporal blip can lose;
 *  - a non-terminal RR with no run at all (a start lost the same way) is started.
 *
 * Two kinds of pass (docs/design-incremental-reconciler.md), never overlapping:
 *  - the **changes pass**, every `intervalMs` and on demand: what the launcher queued
 *    (reconcile-queue.ts: RRs it could not start or must restore, deletes whose cancel
 *    it could not confirm) and the runs of this task queue that closed since the last
 *    pass, asked of visibility with an overlap (`lookbackMs`) for its lag. Its cost
 *    follows what changed: with 10,000 remediations parked and nothing happening it
 *    lists nothing (the full pass listed 10,000 RRs and 10,000 runs every 30 s, and
 *    the garbage that left was most of a parked worker's CPU: docs/performance.md);
 *  - the **full pass**, at start and every `fullIntervalMs`: every RR against every
 *    running workflow, for what no event reports — a run closed while visibility lagged
 *    past the overlap, a delete no watch delivered, a start lost with a worker that died.
 * Every action re-reads what it acts on and is idempotent (reconcile-actions.ts).
 */
import type { KubeObject } from '../activities/kube-objects.js';
import { isTerminalPhase } from '../lib/domain.js';
import { workflowIdFor } from '../lib/remediation-messages.js';
import { listInPages } from './list-pages.js';
import { workerMetrics } from './metrics.js';
import {
  type ActionOptions,
  isOpen,
  isRestored,
  reconcileActions,
  rrOfWorkflow,
} from './reconcile-actions.js';
import { ReconcileQueue } from './reconcile-queue.js';

/** Default time between full passes (KUBERNAUT_RECONCILE_FULL_MS). */
export const DEFAULT_FULL_INTERVAL_MS = 10 * 60_000;

export interface ReconcilerOptions extends ActionOptions {
  /** Time between passes (KUBERNAUT_RECONCILE_INTERVAL_MS; default 30 s). */
  intervalMs?: number;
  /** Time between full passes (KUBERNAUT_RECONCILE_FULL_MS; default 10 min). */
  fullIntervalMs?: number;
  /**
   * How far before the last pass the changes pass asks for closed runs: visibility's
   * lag and the clocks' skew. Default: twice the interval, at least 10 s.
   */
  lookbackMs?: number;
  /** What the launcher hands over; default a queue nothing fills. */
  queue?: ReconcileQueue;
}

export interface Reconciler {
  /** The first (full) pass has run. */
  ready: Promise<void>;
  /** Runs a changes pass now (after the one in progress, if any). */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

export function startReconciler(opts: ReconcilerOptions): Reconciler {
  const act = reconcileActions(opts);
  const queue = opts.queue ?? new ReconcileQueue();
  const intervalMs = opts.intervalMs ?? 30_000;
  const fullIntervalMs = opts.fullIntervalMs ?? DEFAULT_FULL_INTERVAL_MS;
  const lookbackMs = opts.lookbackMs ?? Math.max(2 * intervalMs, 10_000);
  const taskQueue = `TaskQueue = '${opts.taskQueue.replace(/'/g, "''")}'`;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  /** When the last pass that completed began: the changes pass asks from there. */
  let lastPassAt = 0;
  let lastFullAt = 0;
  const report = (what: string) => (err: unknown) => opts.log(`reconcile ${what}: ${(err as Error).message}`);

  /** Running remediation workflows by id, with the RR uid their memo names. */
  const listRunning = async () => {
    const running = new Map<string, { runId: string; uid?: string }>();
    // This worker's task queue only: workers of other clusters may share the Temporal
    // namespace, and their RRs are not in our apiserver.
    const query = `WorkflowType = 'remediationWorkflow' AND ExecutionStatus = 'Running' AND ${taskQueue}`;
    for await (const wf of opts.client.workflow.list({ query })) {
      const uid = (wf.memo as { uid?: string } | undefined)?.uid;
      running.set(wf.workflowId, { runId: wf.runId, uid });
    }
    return running;
  };

  const fullPass = async () => {
    const running = await listRunning();
    const open: KubeObject[] = [];
    const live = new Set<string>();
    // A page at a time: only the RRs with work left are kept past their page.
    await listInPages(
      opts.kc,
      'remediationrequests',
      opts.namespace,
      (page) => {
        for (const rr of page) {
          const id = workflowIdFor(rr.metadata.namespace ?? 'default', rr.metadata.name);
          const wf = running.get(id);
          if (wf?.uid === rr.metadata.uid) live.add(id);
          if (isOpen(rr) && (isRestored(rr) || !live.has(id))) open.push(rr);
        }
      },
      () => stopped,
    );
    for (const rr of open) {
      if (stopped) return;
      await act
        .reconcile(rr)
        .catch(report(workflowIdFor(rr.metadata.namespace ?? 'default', rr.metadata.name)));
    }
    for (const [id, wf] of running) {
      if (stopped) return;
      if (!live.has(id)) await act.cancelOrphan(id, wf.runId, wf.uid).catch(report(id));
    }
  };

  const changesPass = async () => {
    const { settles, cancels } = queue.drain();
    for (const key of settles) {
      if (stopped) return;
      await act.reconcileByKey(key).catch((err) => {
        queue.settleLater(key);
        report(key)(err);
      });
    }
    for (const c of cancels) {
      if (stopped) return;
      await act.cancelOrphan(c.workflowId, undefined, c.uid).catch((err) => {
        queue.cancelLater(c);
        report(c.workflowId)(err);
      });
    }
    const since = new Date(lastPassAt - lookbackMs).toISOString();
    const query = `WorkflowType = 'remediationWorkflow' AND ExecutionStatus != 'Running' AND CloseTime >= '${since}' AND ${taskQueue}`;
    for await (const wf of opts.client.workflow.list({ query })) {
      if (stopped) return;
      if (wf.status.name === 'CONTINUED_AS_NEW') continue; // its next run goes on
      const rr = rrOfWorkflow(wf.workflowId);
      if (!rr) continue;
      const ref = `${rr.namespace}/${rr.name}`;
      const uid = (wf.memo as { uid?: string } | undefined)?.uid;
      // The launcher saw this RR terminal: a terminal phase is never left, nothing to read.
      const known = queue.known(ref);
      if (known && known.uid === uid && isTerminalPhase(known.phase)) continue;
      await act.reconcileClosedRun(wf.workflowId, uid).catch((err) => {
        queue.settleLater(ref);
        report(wf.workflowId)(err);
      });
    }
  };

  const runPass = async (kind: 'full' | 'changes') => {
    const startedAt = Date.now();
    await (kind === 'full' ? fullPass() : changesPass());
    if (stopped) return;
    // Only a pass that went through moves the window: a failed visibility query asks again.
    lastPassAt = startedAt;
    if (kind === 'full') lastFullAt = startedAt;
    workerMetrics.reconcilePasses.inc({ kind });
  };

  // At most one pass waiting behind the running one: a burst of requests is one pass.
  let queued: Promise<void> | undefined;
  const pass = () => {
    queued ??= current.then(() => {
      queued = undefined;
      const kind = lastFullAt === 0 || Date.now() - lastFullAt >= fullIntervalMs ? 'full' : 'changes';
      return runPass(kind).catch(report(`${kind} pass`));
    });
    current = queued;
    return queued;
  };
  const ready = pass();
  const timer = setInterval(() => void pass(), intervalMs);
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
