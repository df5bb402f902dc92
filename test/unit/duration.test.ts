/** Go-style durations (lib/duration.ts): the format of every timeout in specs and policies. */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../lib/duration.js';

describe('Go-style durations', () => {
  it('reads numbers with units, summed, fractions allowed', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('2h0m5s')).toBe(7_205_000);
  });
  it('anything else is malformed: no number, no unit, a gap, a stray character, nothing', () => {
    for (const bad of ['', undefined, '10', 's', '1m 2s', '1x', 'x1s', '1s!', '-5s', '1d'])
      expect(parseDuration(bad), String(bad)).toBeUndefined();
  });
});
