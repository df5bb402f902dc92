import { describe, expect, it } from 'vitest';
import { quietIntervalMs } from '../harness/quiet-interval.js';

describe('a quiet schedule interval for tests', () => {
  it('is at least the asked interval, in whole seconds, with no epoch-aligned fire within a quarter of it of now', () => {
    const seed = Date.now();
    console.log(`quiet-interval seed ${seed}`);
    let x = seed;
    for (let i = 0; i < 200; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const now = 1_700_000_000_000 + x * 1000 + (x % 1000);
      const every = quietIntervalMs(3_600_000, now);
      expect(every).toBeGreaterThanOrEqual(3_600_000);
      expect(every % 1000).toBe(0);
      const sinceLast = now % every;
      expect(sinceLast).toBeGreaterThanOrEqual(every / 4);
      expect(every - sinceLast).toBeGreaterThanOrEqual(every / 4);
    }
  });

  it('moves off an hour whose top is a minute away (the CI run of 2026-11-30 at 23:59)', () => {
    const now = Date.UTC(2026, 10, 30, 23, 59);
    expect(now % 3_600_000).toBe(59 * 60_000);
    expect(quietIntervalMs(3_600_000, now)).toBeGreaterThan(3_600_000);
  });
});
