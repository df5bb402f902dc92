/**
 * Small numeric helpers shared by every figure: a seeded PRNG (so generated data is
 * the same on every run and machine), percentiles, and the shape a figure reports.
 */

/** mulberry32: a tiny, well-known 32-bit PRNG; deterministic for a given seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a string (FNV-1a), so seeds can be named ("ingest-100"). */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (xs: number[]) => percentile(xs, 50);

/** What one figure (one row of the table) reports: per-run values and the same run's reference. */
export interface FigureRow {
  figure: string;
  unit: string;
  /** One value per run of the figure. */
  values: number[];
  /** One reference value per run, measured in the same run right next to the figure. */
  reference: number[];
  referenceLabel: string;
  /** 'higher' when bigger is better (throughput), 'lower' for latency and memory. */
  better: 'higher' | 'lower';
  /** Human-readable target, and a check over the medians (undefined: no target). */
  target?: string;
  met?: (median: number, ratio: number) => boolean;
  /** Extra facts worth printing (load times, counts, errors). */
  notes?: string[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first truthy probe value; throws after `timeoutMs` saying what never happened. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
