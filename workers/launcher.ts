/**
 * The RR launcher: one remediation workflow per RemediationRequest. Starting is
 * idempotent (start-remediation.ts: one run per RR uid, even for a start issued from
 * a stale view after the run finished) and skipped for RRs already terminal, so
 * re-lists after a disconnect start nothing twice.
 * Deleting an RR cancels its workflow.
 *
 * Once a start has answered "running" for an RR's uid, that RR's later updates — the
 * workflow's own status writes, a dozen or so per remediation, and the gateway's
 * counts — ask Temporal nothing: each was a start RPC answered "already running" (as
 * many start RPCs as workflow tasks while remediations parked). What such a start
 * could still catch, a run that has closed while its RR is not terminal, is the
 * reconciler's to settle on its next pass (I1, I6 in docs/invariants.md), as it is for
 * an RR nothing updates. A new uid under the name, a restart of this process, or a
 * start that failed asks again.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import { type KubeObject, KubeObjects } from '../activities/kube-objects.js';
import { isTerminalPhase } from '../lib/domain.js';
import { routingChangedSignal, TASK_QUEUE, workflowIdFor } from '../lib/remediation-messages.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { remediationLogFields } from '../lib/tracing/log-fields.js';
import type { RemediationInput } from '../workflows/remediation.js';
import { type RunningInformer, watchKind } from './informer.js';
import { workerMetrics } from './metrics.js';
import type { ReconcileQueue } from './reconcile-queue.js';
import { inRemediationTrace } from './remediation-trace.js';
import { signalDurably } from './signal-durably.js';
import { startRemediation } from './start-remediation.js';

export interface LauncherOptions {
  client: Client;
  kc: KubeConfig;
  taskQueue?: string;
  namespace?: string;
  settings?: RemediationInput['settings'];
  /** Each run's slack past its global timeout (run-backstop.ts). */
  runSlackMs?: number;
  log: (msg: string) => void;
  /** JSON lines about one remediation (started, start failed), bound to it (rr, namespace, workflowId, traceId). */
  logger?: Logger;
  /**
   * What the launcher cannot settle itself, for the reconciler (reconcile-queue.ts): an
   * RR that must not start (restored) or whose run has closed while it is not terminal,
   * and a delete whose cancel Temporal did not confirm. It also reads the launcher's
   * view of every RR from it.
   */
  queue?: ReconcileQueue;
  /** Asks the reconciler for a pass now, after something was queued. */
  reconcile?: () => void;
}

export function startLauncher(opts: LauncherOptions): RunningInformer {
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const retries = new Map<string, NodeJS.Timeout>();
  /**
   * Our own snapshot per RR (the informer may hand us its cached object, updated
   * in place, so an earlier reference cannot tell what changed).
   */
  const known = new Map<string, Snapshot>();
  /** The uid whose start answered "running", per RR key: its updates need no start. */
  const running = new Map<string, string>();
  let stopped = false;
  const objects = new KubeObjects(opts.kc);
  opts.queue?.setView((key) => known.get(key));

  /**
   * When an RR finishes, RRs blocked behind it (same fingerprint: duplicate or
   * failure history; same target: the lock) re-evaluate routing at once instead
   * of waiting for their safety re-check.
   */
  const wakeBlockedBy = (done: Snapshot) => {
    for (const rr of known.values()) {
      if (rr.uid === done.uid || rr.namespace !== done.namespace || rr.phase !== 'Blocked') continue;
      if (rr.fingerprint !== done.fingerprint && rr.target !== done.target) continue;
      void signalDurably(opts.client, workflowIdFor(rr.namespace, rr.name), routingChangedSignal, [], {
        stopped: () => stopped,
        log: opts.log,
      });
    }
  };

  /** `firstSight`: this process has not seen the RR before (its start is traced). */
  const start = async (rr: KubeObject, attempt = 0, firstSight = false): Promise<void> => {
    const namespace = rr.metadata.namespace ?? 'default';
    const key = `${namespace}/${rr.metadata.name}`;
    const traced = firstSight || attempt > 0;
    const log = () =>
      opts.logger?.child(
        remediationLogFields({
          namespace,
          name: rr.metadata.name,
          workflowId: workflowIdFor(namespace, rr.metadata.name),
          annotations: rr.metadata.annotations,
        }),
      );
    try {
      const outcome = await inRemediationTrace(objects, rr, traced, async () => {
        const out = await startRemediation(opts.client, rr, taskQueue, opts.settings, opts.runSlackMs);
        if (traced) log()?.info({ outcome: out, attempt }, 'remediation workflow start');
        return out;
      });
      workerMetrics.launcherStarts.inc({ outcome });
      if (outcome === 'running' && rr.metadata.uid && known.get(key)?.uid === rr.metadata.uid)
        running.set(key, rr.metadata.uid);
      if (outcome !== 'running') {
        opts.queue?.settleLater(key);
        opts.reconcile?.();
      }
    } catch (err) {
      workerMetrics.launcherStarts.inc({ outcome: 'error' });
      if (stopped) return;
      // Temporal unreachable or busy: try again, with backoff, while the RR exists.
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      opts.log(`start ${key} failed (${(err as Error).message}); retrying in ${delay} ms`);
      log()?.warn({ err: (err as Error).message, retryInMs: delay }, 'remediation workflow start failed');
      retries.set(
        key,
        setTimeout(() => void start(rr, attempt + 1, firstSight), delay),
      );
    }
  };

  const informer = watchKind(
    opts.kc,
    'remediationrequests',
    {
      onUpsert(rr) {
        const key = `${rr.metadata.namespace}/${rr.metadata.name}`;
        const firstSight = !known.has(key);
        const before = known.get(key)?.phase;
        const snap = snapshotOf(rr);
        known.set(key, snap);
        // Leaving Executing frees the target lock; reaching a terminal phase ends a
        // duplicate's original and adds to the failure history.
        if (
          before !== snap.phase &&
          (before === 'Executing' || (isTerminalPhase(snap.phase) && !isTerminalPhase(before)))
        ) {
          wakeBlockedBy(snap);
        }
        if (rr.metadata.deletionTimestamp || isTerminalPhase(snap.phase)) {
          running.delete(key);
          return;
        }
        // The workflow's own status writes arrive here too: its run is known to be going.
        if (running.get(key) === snap.uid) return;
        void start(rr, 0, firstSight);
      },
      onDelete(rr) {
        const { namespace = 'default', name } = rr.metadata;
        // Our snapshot, not the object: a delete found by a re-list carries only the
        // RR's identity (informer.ts keeps no more), not the fingerprint and target.
        const last = known.get(`${namespace}/${name}`);
        known.delete(`${namespace}/${name}`);
        running.delete(`${namespace}/${name}`);
        wakeBlockedBy(last ?? snapshotOf(rr));
        const pending = retries.get(`${namespace}/${name}`);
        if (pending) clearTimeout(pending);
        const workflowId = workflowIdFor(namespace, name);
        opts.client.workflow
          .getHandle(workflowId)
          .cancel()
          .catch((err) => {
            // Already finished or never started: nothing to cancel. Anything else
            // (Temporal away): the reconciler's next pass cancels it (I5).
            if (err instanceof WorkflowNotFoundError) return;
            opts.queue?.cancelLater({ workflowId, uid: last?.uid ?? rr.metadata.uid });
          });
      },
    },
    opts.log,
    opts.namespace,
  );
  return {
    ready: informer.ready,
    async stop() {
      stopped = true;
      for (const t of retries.values()) clearTimeout(t);
      await informer.stop();
    },
  };
}

interface Snapshot {
  namespace: string;
  name: string;
  uid?: string;
  phase?: string;
  fingerprint?: string;
  target: string;
}

function snapshotOf(rr: KubeObject): Snapshot {
  return {
    namespace: rr.metadata.namespace ?? 'default',
    name: rr.metadata.name,
    uid: rr.metadata.uid,
    phase: rr.status?.overallPhase as string | undefined,
    fingerprint: rr.spec?.signalFingerprint as string | undefined,
    target: targetDisplay(rr.spec?.targetResource as RemediationRequestSpec['targetResource']),
  };
}
