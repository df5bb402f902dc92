/**
 * The bench's CPU split (bench/cpu-split.ts) reads /proc twice and subtracts. Processes
 * come and go between the two readings (PostgreSQL starts a backend per connection and
 * ends it when the connection closes): the split must still be a sum of what ran in the
 * window, never negative.
 */
import { describe, expect, it } from 'vitest';
import { type CpuSample, cpuSample, perOperation } from '../../bench/cpu-split.js';

const sample = (
  self: number,
  machine: number,
  procs: [number, 'postgres' | 'apiserver' | 'etcd', number][],
) =>
  ({
    self,
    machine,
    processes: new Map(procs.map(([pid, part, seconds]) => [pid, { part, seconds }])),
  }) satisfies CpuSample;

describe('the CPU split between two readings', () => {
  it('counts each process by what it used in between, per operation, in milliseconds', () => {
    const from = sample(1, 10, [
      [100, 'postgres', 2],
      [200, 'apiserver', 5],
      [300, 'etcd', 1],
    ]);
    const to = sample(1.5, 12, [
      [100, 'postgres', 2.4],
      [200, 'apiserver', 6],
      [300, 'etcd', 1.1],
    ]);
    expect(perOperation(from, to, 100)).toEqual({
      self: 5,
      postgres: expect.closeTo(4, 9),
      apiserver: 10,
      etcd: expect.closeTo(1, 9),
      machine: 20,
    });
  });

  it('counts a process that started in between whole, and leaves out one that ended: never negative', () => {
    // Backend 101 used 3 s and ended; 102 started and used 0.5 s; 100 used 0.2 s more.
    const from = sample(0, 0, [
      [100, 'postgres', 1],
      [101, 'postgres', 3],
    ]);
    const to = sample(0, 1, [
      [100, 'postgres', 1.2],
      [102, 'postgres', 0.5],
    ]);
    const split = perOperation(from, to, 1);
    expect(split.postgres).toBeCloseTo(700, 9);
    expect(split.apiserver).toBe(0);
  });

  it('does not carry a reused pid over from another kind of process', () => {
    const from = sample(0, 0, [[100, 'etcd', 50]]);
    const to = sample(0, 0, [[100, 'postgres', 0.25]]);
    expect(perOperation(from, to, 1)).toMatchObject({ postgres: 250, etcd: 0 });
  });

  it('reads this process and the machine from /proc, and both only grow', () => {
    const a = cpuSample();
    let spin = 0;
    for (let i = 0; i < 2e6; i++) spin += i % 7;
    const b = cpuSample();
    expect(spin).toBeGreaterThan(0);
    expect(b.self).toBeGreaterThan(a.self);
    expect(b.machine).toBeGreaterThanOrEqual(a.machine);
  });
});
