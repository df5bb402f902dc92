/**
 * The shared reconcile loop of the built-in controllers: watch one kind, and for
 * each object not yet in a terminal phase run the controller's reconcile step —
 * one at a time per object, on a fresh read (never the possibly stale watch
 * copy), again whenever the object changes, after a requested delay (timers), or
 * with backoff after an error. A 409 Conflict means another writer (a second
 * replica, the workflow) got there first: re-read and reconcile again at once.
 * Each reconcile runs with a logger bound to its remediation and, with tracing on,
 * as a span in its incident's trace (reconcile-trace.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { isConflict } from '../../lib/kube/client.js';
import { type RunningInformer, watchKind } from '../informer.js';
import { countReconcileError } from '../metrics.js';
import { inReconcileTrace } from './reconcile-trace.js';

export interface ReconcileResult {
  /** Run again after this delay even if nothing changes (timers: windows, backoff, polling). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  /** Controller name, for logs. */
  name: string;
  plural: string;
  /** True once the object is in a terminal phase: the controller never touches it again. */
  isDone(obj: KubeObject): boolean;
  /** `ctx.logger`: bound to the object's remediation (rr, namespace, workflowId, traceId). */
  reconcile(obj: KubeObject, ctx: { logger: Logger }): Promise<ReconcileResult | undefined>;
}

interface KeyState {
  running: boolean;
  dirty: boolean;
  failures: number;
  timer?: NodeJS.Timeout;
}

const MAX_BACKOFF_MS = 30_000;

export function startReconcileLoop(opts: {
  kc: KubeConfig;
  objects: KubeObjects;
  reconciler: Reconciler;
  logger: Logger;
  namespace?: string;
}): RunningInformer {
  const { reconciler: r, objects, logger } = opts;
  const states = new Map<string, KeyState>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;

  const forget = (key: string) => {
    const s = states.get(key);
    if (s?.timer) clearTimeout(s.timer);
    states.delete(key);
  };
  const schedule = (key: string, ms: number) => {
    const s = states.get(key);
    if (!s || stopped) return;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => enqueue(key), ms);
  };

  function enqueue(key: string) {
    if (stopped) return;
    let s = states.get(key);
    if (!s) {
      s = { running: false, dirty: false, failures: 0 };
      states.set(key, s);
    }
    if (s.running) {
      s.dirty = true;
      return;
    }
    const p = run(key, s).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function run(key: string, s: KeyState) {
    s.running = true;
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    const [namespace, name] = key.split('/') as [string, string];
    let next: number | undefined;
    let log = logger;
    try {
      const obj = await objects.get(r.plural, namespace, name);
      if (!obj || r.isDone(obj)) {
        s.running = false;
        forget(key);
        return;
      }
      const result = await inReconcileTrace(objects, obj, logger, async (bound) => {
        log = bound;
        const out = await r.reconcile(obj, { logger: bound });
        bound.debug(
          { controller: r.name, object: key, phase: obj.status?.phase, requeueAfterMs: out?.requeueAfterMs },
          'reconciled',
        );
        return out;
      });
      s.failures = 0;
      next = result?.requeueAfterMs;
    } catch (err) {
      countReconcileError(r.name, err);
      if (isConflict(err)) {
        s.dirty = true; // someone else wrote first: look again at the new version
      } else {
        s.failures++;
        next = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(s.failures, 8));
        log.warn({ controller: r.name, object: key, err: String(err), retryInMs: next }, 'reconcile failed');
      }
    }
    s.running = false;
    if (stopped) return;
    if (s.dirty) {
      s.dirty = false;
      enqueue(key);
    } else if (next !== undefined) schedule(key, next);
  }

  const informer = watchKind(
    opts.kc,
    r.plural,
    {
      onUpsert(obj) {
        const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
        if (r.isDone(obj)) forget(key);
        else enqueue(key);
      },
      onDelete(obj) {
        forget(`${obj.metadata.namespace}/${obj.metadata.name}`);
      },
    },
    (msg) => logger.warn({ controller: r.name }, msg),
    opts.namespace,
  );
  return {
    ready: informer.ready,
    async stop() {
      stopped = true;
      for (const key of [...states.keys()]) forget(key);
      await informer.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}
