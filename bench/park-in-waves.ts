/**
 * Parks n remediations on approval for the worker-memory and parked figures, a wave
 * at a time: at most `wave` RRs are created and not yet parked, fewer than the
 * worker's workflow cache (100), so each remediation's workflow tasks find it cached.
 * Created all at once, 10,000 remediations took turns through a cache of 100 and
 * every task was a full replay: they parked at about 1.4 RR/s, two hours for the
 * 10,000 figure (docs/performance.md, note 5). The figures measure the worker once
 * all are parked, which is the same state however they got there.
 *
 * Phases are followed with a watch (an informer) rather than by listing the
 * namespace every few seconds: a list of 10,000 RRs every 15 s was a load of its
 * own on the apiserver the worker shares.
 */
import type { KubeObject } from '../activities/kube-objects.js';
import { loadKubeConfig } from '../lib/kube/client.js';
import { watchKind } from '../workers/informer.js';
import type { BenchContext } from './context.js';
import { type benchKube, PARKED_TIMEOUTS } from './kube-fixtures.js';
import { sleep } from './stats.js';

const ENDED = new Set(['Failed', 'Completed', 'TimedOut']);

export interface ParkOptions {
  /** RRs created and not yet parked, at most (default 50). */
  wave?: number;
  timeoutMs: number;
  /** Called at most once a minute, and at the end, with the number parked. */
  progress?(parked: number, seconds: number): void;
}

/** Resolves with the seconds from the first create to the last RR parked. */
export async function parkInWaves(
  ctx: BenchContext,
  k: ReturnType<typeof benchKube>,
  ns: string,
  names: string[],
  opts: ParkOptions,
): Promise<number> {
  const wave = opts.wave ?? 50;
  const parked = new Set<string>();
  let ended: KubeObject | undefined;
  const watch = watchKind(
    loadKubeConfig(ctx.kubeconfigPath),
    'remediationrequests',
    {
      onUpsert(rr) {
        const phase = rr.status?.overallPhase as string | undefined;
        if (phase === 'AwaitingApproval') parked.add(rr.metadata.name);
        else if (phase && ENDED.has(phase)) ended ??= rr;
      },
    },
    () => {},
    ns,
  );
  const t0 = Date.now();
  let lastProgress = t0;
  try {
    await watch.ready;
    let next = 0;
    while (parked.size < names.length) {
      if (ended)
        throw new Error(
          `RR ${ended.metadata.name} ended instead of waiting: ${String(ended.status?.message)}`,
        );
      if (Date.now() - t0 > opts.timeoutMs)
        throw new Error(`${parked.size} of ${names.length} parked after ${opts.timeoutMs} ms`);
      if (Date.now() - lastProgress >= 60_000) {
        lastProgress = Date.now();
        opts.progress?.(parked.size, (Date.now() - t0) / 1000);
      }
      const room = Math.min(wave - (next - parked.size), names.length - next, 10);
      if (room <= 0) {
        await sleep(200);
        continue;
      }
      const batch = names.slice(next, next + room);
      next += room;
      await Promise.all(batch.map((name) => k.remediationRequest(ns, `rr-${name}`, name, PARKED_TIMEOUTS)));
    }
    const seconds = (Date.now() - t0) / 1000;
    opts.progress?.(parked.size, seconds);
    return seconds;
  } finally {
    await watch.stop();
  }
}
