/**
 * A full garbage collection of the worker's main thread when its resident memory has
 * grown by KUBERNAUT_WORKER_COLLECT_GROWTH_MB (default 128; 0 turns it off) since the
 * last one, looked at once a minute.
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
 * Cost: one pause of the main thread (about 0.1–0.3 s with 150 MB live) at most once a
 * minute, and only after that much growth. The SDK's workflow thread is its own V8 heap,
 * out of reach from here; it is the smaller one (about 40 MB).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const DEFAULT_GROWTH_MB = 128;
const MB = 1024 * 1024;
const SETTLE_MS = 1000;

/** The growth, in MB, that triggers a collection; 0: never. */
export function collectGrowthMb(env: NodeJS.ProcessEnv): number {
  const raw = env.KUBERNAUT_WORKER_COLLECT_GROWTH_MB;
  const mb = raw === undefined || raw === '' ? DEFAULT_GROWTH_MB : Number(raw);
  if (!Number.isInteger(mb) || mb < 0)
    throw new Error(
      `KUBERNAUT_WORKER_COLLECT_GROWTH_MB must be a whole number of MB, got ${JSON.stringify(raw)}`,
    );
  return mb;
}

/** Whether to collect now: grown by at least `growthMb` since the resident size after the last collection. */
export function shouldCollect(rssBytes: number, afterLastBytes: number, growthMb: number): boolean {
  return growthMb > 0 && rssBytes - afterLastBytes >= growthMb * MB;
}

/** node's `gc()`: the --expose-gc one when given, else exposed here (V8 reads the flag when asked). */
function fullCollection(): () => void {
  const given = (globalThis as { gc?: () => void }).gc;
  if (given) return given;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface CollectWhenGrown {
  stop(): void;
}

export function collectWhenGrown(opts: {
  growthMb: number;
  everyMs?: number;
  /** Told after each collection: MB before and after, and how long the pause took. */
  onCollect?(beforeMb: number, afterMb: number, pauseMs: number): void;
}): CollectWhenGrown {
  if (opts.growthMb === 0) return { stop() {} };
  const gc = fullCollection();
  let afterLast = process.memoryUsage.rss();
  let settling: NodeJS.Timeout | undefined;
  const timer = setInterval(() => {
    const before = process.memoryUsage.rss();
    if (settling || !shouldCollect(before, afterLast, opts.growthMb)) return;
    const t0 = performance.now();
    gc();
    const pause = performance.now() - t0;
    // V8 frees the buffers of collected objects on a background thread, after the
    // pause: the size after the collection is read a second later.
    settling = setTimeout(() => {
      settling = undefined;
      afterLast = process.memoryUsage.rss();
      opts.onCollect?.(before / MB, afterLast / MB, pause);
    }, SETTLE_MS);
    settling.unref();
  }, opts.everyMs ?? 60_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (settling) clearTimeout(settling);
    },
  };
}
