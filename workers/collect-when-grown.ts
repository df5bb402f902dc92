/**
 * A full garbage collection of every V8 heap in the worker — its main thread's and the
 * SDK's workflow thread's — when its resident memory has grown by
 * KUBERNAUT_WORKER_COLLECT_GROWTH_MB (default 128; 0 turns it off) since the last one,
 * or, once the worker has gone quiet (its memory no longer growing from one look to
 * the next), by 32 MB (or that setting, if lower): looked at once a minute.
 *
 * Why: V8 collects when its own heap fills, not when the process's memory does. The
 * worker's garbage holds memory outside that heap — the buffers of histories fetched
 * for replays, of watch events, of gRPC messages — which only returns to the system
 * when the objects holding it are collected. Parking remediations, the worker's RSS
 * reached 732 MB with 1,613 of 10,000 parked, and one full collection brought it to
 * 496 MB (docs/performance.md, note 5; bench/heap-breakdown.ts): 237 MB of anonymous
 * memory, of which V8 counted 48 MB as heap. Nothing makes V8 collect once the worker
 * goes quiet, so a worker whose remediations are parked kept that garbage for good.
 *
 * Both heaps: at 1,000 parked most of it was the SDK's workflow thread's (162 MB
 * committed, 40 MB live; the main thread 108 MB, 74 MB live), and a collection of the
 * main thread alone left the worker at 678 MB; both brought it to 370 MB.
 *
 * Quiet: growth alone left the worker anywhere up to 128 MB above what a collection
 * would return to, for as long as it stayed quiet — with 1,000 parked, 486 MB resident
 * against 348 MB after collecting (`npm run bench -- worker-memory`, 2026-12-02). A
 * worker whose remediations wait is quiet for hours, so that is the memory it is seen
 * with; one collection when the growth stops gives the garbage back once, then nothing
 * until it grows again.
 *
 * Cost: one pause of each thread (about 0.1–0.3 s with 150 MB live) at most once a
 * minute, and only after that much growth.
 */
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { wholeMbSetting } from './heap-flags.js';

export const DEFAULT_GROWTH_MB = 128;
/** Growth since the last collection that is collected once the worker is quiet. */
export const QUIET_GROWTH_MB = 32;
/** Less growth than this from one look to the next: quiet. */
export const QUIET_STEP_MB = 4;
const MB = 1024 * 1024;
const SETTLE_MS = 1000;
const COLLECT_ID = 1;
const THREAD_ANSWER_MS = 10_000;
const ATTACH_MS = 200;

/** The growth, in MB, that triggers a collection; 0: never. */
export function collectGrowthMb(env: NodeJS.ProcessEnv): number {
  return wholeMbSetting(env, 'KUBERNAUT_WORKER_COLLECT_GROWTH_MB', DEFAULT_GROWTH_MB);
}

/**
 * Whether to collect now: grown by at least `growthMb` since the resident size after
 * the last collection, or by QUIET_GROWTH_MB (at most `growthMb`) with the worker quiet
 * — grown by less than QUIET_STEP_MB since the previous look (`previousBytes`).
 */
export function shouldCollect(
  rssBytes: number,
  afterLastBytes: number,
  growthMb: number,
  previousBytes?: number,
): boolean {
  if (growthMb <= 0) return false;
  const grown = rssBytes - afterLastBytes;
  if (grown >= growthMb * MB) return true;
  const quiet = previousBytes !== undefined && rssBytes - previousBytes < QUIET_STEP_MB * MB;
  return quiet && grown >= Math.min(QUIET_GROWTH_MB, growthMb) * MB;
}

/**
 * One full collection of every V8 heap in the process: the main thread's and each
 * worker thread's (the SDK runs workflows in one), through an in-process inspector
 * session — the one way to reach a thread the SDK owns. Attached for the collection
 * only: NodeWorker is disabled (detaching from the threads) once they have answered.
 */
async function collectAll(session: Session): Promise<void> {
  await session.post('HeapProfiler.collectGarbage');
  const threads: string[] = [];
  const attached = (m: { params: { sessionId: string } }) => threads.push(m.params.sessionId);
  const answered = new Map<string, () => void>();
  const received = (m: { params: { sessionId: string; message: string } }) => {
    if ((JSON.parse(m.params.message) as { id?: number }).id === COLLECT_ID)
      answered.get(m.params.sessionId)?.();
  };
  session.on('NodeWorker.attachedToWorker', attached);
  session.on('NodeWorker.receivedMessageFromWorker', received);
  try {
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    await sleep(ATTACH_MS); // each running thread is reported as attached

    await Promise.all(
      threads.map(
        (sessionId) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, THREAD_ANSWER_MS); // a thread busy for that long: next time
            answered.set(sessionId, () => {
              clearTimeout(t);
              resolve();
            });
            void session
              .post('NodeWorker.sendMessageToWorker', {
                sessionId,
                message: JSON.stringify({ id: COLLECT_ID, method: 'HeapProfiler.collectGarbage' }),
              })
              .catch(resolve);
          }),
      ),
    );
  } finally {
    session.off('NodeWorker.attachedToWorker', attached);
    session.off('NodeWorker.receivedMessageFromWorker', received);
    await session.post('NodeWorker.disable').catch(() => {});
  }
}

export interface CollectWhenGrown {
  stop(): void;
}

export function collectWhenGrown(opts: {
  growthMb: number;
  everyMs?: number;
  /** The resident size, in bytes, growth is counted from (default: the size now). */
  sinceRssBytes?: number;
  /** Told after each collection: MB before and after, and how long the pause took. */
  onCollect?(beforeMb: number, afterMb: number, pauseMs: number): void;
}): CollectWhenGrown {
  if (opts.growthMb === 0) return { stop() {} };
  const session = new Session();
  session.connect();
  let afterLast = opts.sinceRssBytes ?? process.memoryUsage.rss();
  let previous: number | undefined;
  let busy = false;
  const timer = setInterval(() => {
    const before = process.memoryUsage.rss();
    const lastLook = previous;
    previous = before;
    if (busy || !shouldCollect(before, afterLast, opts.growthMb, lastLook)) return;
    busy = true;
    const t0 = performance.now();
    void collectAll(session)
      .then(() => sleep(SETTLE_MS)) // V8 frees collected objects' buffers on a background thread
      .then(() => {
        afterLast = process.memoryUsage.rss();
        previous = afterLast;
        opts.onCollect?.(before / MB, afterLast / MB, performance.now() - t0 - SETTLE_MS);
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, opts.everyMs ?? 60_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      session.disconnect();
    },
  };
}
