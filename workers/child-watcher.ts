/**
 * Child watchers: when a child's status phase (or an RAR's decision, or a
 * WorkflowExecution's executionStatus) changes, tell the owning workflow with the
 * childStatusChanged signal. The signal carries no truth; the workflow re-reads the
 * child, so duplicate or reordered signals are harmless — and sent generously here.
 *
 * A parked workflow wakes for nothing else (docs/invariants.md, "Parked waits"), so
 * every change of a watched field must reach it: the watch delivers it, or a resync
 * (child-resync.ts) lists every child again and sends what was not delivered — a
 * change the watch missed, or a signal that failed after its retries (the watcher
 * then forgets it had seen that value). At start the first list sends one signal
 * for every child with a watched value, so a change made while no worker ran is
 * delivered too. With tracing on, the signal is sent in the child's trace (the
 * context the workflow wrote on it), so it shows in the incident's trace.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import { context } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { KubeObject } from '../activities/kube-objects.js';
import { CHILD_KINDS, type ChildKind } from '../lib/kinds.js';
import { childStatusChangedSignal, workflowIdFor } from '../lib/remediation-messages.js';
import { startResync } from './child-resync.js';
import { type RunningInformer, watchKind } from './informer.js';
import { workerMetrics } from './metrics.js';
import { traceContextOf } from './remediation-trace.js';
import { signalDurably } from './signal-durably.js';

/** Default time between resyncs: a missed change reaches its workflow within this. */
export const DEFAULT_RESYNC_MS = 5 * 60_000;

export interface ChildWatchersOptions {
  client: Client;
  kc: KubeConfig;
  namespace?: string;
  log: (msg: string) => void;
  /** Time between resyncs (default DEFAULT_RESYNC_MS). */
  resyncMs?: number;
  /** Attempts per signal before it is left to the next resync (default: signalDurably's). */
  signalAttempts?: number;
}

/** How many kubectl responses an RAR's status holds (status.responses, I10). */
const responseCount = (child: KubeObject) =>
  Array.isArray(child.status?.responses) ? (child.status.responses as unknown[]).length : 0;

export function startChildWatchers(opts: ChildWatchersOptions): RunningInformer {
  let stopped = false;
  /** Signals on their way: stop() waits for them, so none is left retrying on a closed connection. */
  const sending = new Set<Promise<void>>();
  const watched = (Object.keys(CHILD_KINDS) as ChildKind[]).filter((k) => k !== 'NotificationRequest');
  /** Per kind: the watched value last seen of each child (namespace/name). */
  const last = new Map<ChildKind, Map<string, string | undefined>>(watched.map((k) => [k, new Map()]));

  const notice = (kind: ChildKind, child: KubeObject, via: 'watch' | 'resync') => {
    const seenOf = last.get(kind)!;
    const key = `${child.metadata.namespace}/${child.metadata.name}`;
    const value = child.status?.[CHILD_KINDS[kind].field] as string | undefined;
    // A stopped execution stays Failed; its stop (executionStatus) is news too (I2).
    // An RAR's kubectl responses to an approval ladder (I10) are news before any decision.
    const responses = kind === 'RemediationApprovalRequest' ? responseCount(child) : 0;
    const seen =
      kind === 'WorkflowExecution'
        ? `${value}/${(child.status?.executionStatus as { status?: string } | undefined)?.status}`
        : responses > 0
          ? `${value}/${responses}`
          : value;
    // A resync page read just before a watch event may hold the older value: the next
    // pass then sends the newer one again — harmless, the signal carries no truth.
    if (seenOf.has(key) && seenOf.get(key) === seen) return;
    seenOf.set(key, seen);
    if (value === undefined && responses === 0) return;
    const owner = child.metadata.ownerReferences?.find(
      (r) => r.kind === 'RemediationRequest' && r.controller,
    );
    if (!owner) return;
    if (via === 'resync') workerMetrics.resyncSignals.inc({ resource: CHILD_KINDS[kind].plural });
    const signal = async () => {
      const delivered = await signalDurably(
        opts.client,
        workflowIdFor(child.metadata.namespace ?? 'default', owner.name),
        childStatusChangedSignal,
        [{ kind, name: child.metadata.name, phase: value }],
        { stopped: () => stopped, log: opts.log, attempts: opts.signalAttempts },
      );
      // Not delivered: forget it was seen, so the next resync sends it again.
      if (!delivered && seenOf.get(key) === seen) seenOf.delete(key);
    };
    const traced = traceContextOf(child);
    const sent = (traced ? context.with(traced, signal) : signal()).finally(() => sending.delete(sent));
    sending.add(sent);
  };

  const informers = watched.map((kind) =>
    watchKind(
      opts.kc,
      CHILD_KINDS[kind].plural,
      {
        onUpsert: (child) => notice(kind, child, 'watch'),
        onDelete(child) {
          last.get(kind)!.delete(`${child.metadata.namespace}/${child.metadata.name}`);
        },
      },
      opts.log,
      opts.namespace,
    ),
  );
  const byPlural = new Map(watched.map((k) => [CHILD_KINDS[k].plural as string, k]));
  const resync = startResync({
    kc: opts.kc,
    plurals: [...byPlural.keys()],
    namespace: opts.namespace,
    everyMs: opts.resyncMs ?? DEFAULT_RESYNC_MS,
    onObject: (plural, child) => notice(byPlural.get(plural)!, child, 'resync'),
    log: opts.log,
  });
  return {
    ready: Promise.all(informers.map((i) => i.ready)).then(() => {}),
    async stop() {
      stopped = true;
      await resync.stop();
      await Promise.all(informers.map((i) => i.stop()));
      await Promise.allSettled([...sending]);
    },
  };
}
