/**
 * The worker's collection when its memory has grown (workers/collect-when-grown.ts):
 * garbage that holds memory outside V8's heap is returned to the system, once it has
 * piled up by the growth set, and never when the growth is 0.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  collectGrowthMb,
  DEFAULT_GROWTH_MB,
  QUIET_GROWTH_MB,
  shouldCollect,
} from '../../workers/collect-when-grown.js';

const CHILD = fileURLToPath(new URL('../fixtures/collect-when-grown-child.ts', import.meta.url));
const MB = 1024 * 1024;

function run(growthMb: number) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, String(growthMb)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as {
    withGarbageMb: number;
    collections: { beforeMb: number; afterMb: number }[];
  };
}

describe('collect when grown', () => {
  it('300 MB of garbage outside the V8 heaps (100 on the main thread, 200 on a worker thread), growth 64 MB → one collection returns most of it', () => {
    const r = run(64);
    expect(r.collections).toHaveLength(1);
    const [c] = r.collections;
    expect(c!.beforeMb).toBeGreaterThan(300);
    // More than the main thread's 100 MB: the worker thread's heap is collected too.
    expect(c!.beforeMb - c!.afterMb).toBeGreaterThan(250);
  });

  it('growth 0 → no collection: the garbage stays', () => {
    const r = run(0);
    expect(r.collections).toEqual([]);
    expect(r.withGarbageMb).toBeGreaterThan(300);
  });

  it('collects only once grown by the growth set since the last collection', () => {
    expect(shouldCollect(300 * MB, 200 * MB, 128)).toBe(false);
    expect(shouldCollect(328 * MB, 200 * MB, 128)).toBe(true);
    expect(shouldCollect(10_000 * MB, 200 * MB, 0)).toBe(false);
  });

  it('once the worker is quiet (no longer growing), collects after 32 MB of growth, once', () => {
    expect(QUIET_GROWTH_MB).toBe(32);
    // Still growing from one look to the next: busy, wait for the full growth.
    expect(shouldCollect(240 * MB, 200 * MB, 128, 220 * MB)).toBe(false);
    // Flat since the last look, 40 MB above the last collection: collect.
    expect(shouldCollect(240 * MB, 200 * MB, 128, 239 * MB)).toBe(true);
    // Flat but within 32 MB of what the last collection left: nothing to give back.
    expect(shouldCollect(220 * MB, 200 * MB, 128, 220 * MB)).toBe(false);
    // No previous look yet: growth alone decides.
    expect(shouldCollect(240 * MB, 200 * MB, 128)).toBe(false);
    // A growth set lower than 32 MB is the quiet threshold too; 0 still turns it all off.
    expect(shouldCollect(216 * MB, 200 * MB, 16, 216 * MB)).toBe(true);
    expect(shouldCollect(10_000 * MB, 200 * MB, 0, 10_000 * MB)).toBe(false);
  });

  it('KUBERNAUT_WORKER_COLLECT_GROWTH_MB: 128 when unset, 0 turns it off, anything else is refused', () => {
    expect(collectGrowthMb({})).toBe(DEFAULT_GROWTH_MB);
    expect(DEFAULT_GROWTH_MB).toBe(128);
    expect(collectGrowthMb({ KUBERNAUT_WORKER_COLLECT_GROWTH_MB: '0' })).toBe(0);
    expect(collectGrowthMb({ KUBERNAUT_WORKER_COLLECT_GROWTH_MB: '256' })).toBe(256);
    for (const bad of ['-1', 'big', '1.5'])
      expect(() => collectGrowthMb({ KUBERNAUT_WORKER_COLLECT_GROWTH_MB: bad }), bad).toThrow(
        /KUBERNAUT_WORKER_COLLECT_GROWTH_MB must be a whole number/,
      );
  });
});
