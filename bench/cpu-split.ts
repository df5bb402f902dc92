/**
 * Where a window's CPU went on this machine, from /proc: the bench process itself (the
 * API under test runs in it), every PostgreSQL process, and the whole machine (the rest
 * is the load generator and everything else). Seconds of CPU, user + system.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks, cpuSeconds } from './child-process.js';

export interface CpuSample {
  self: number;
  postgres: number;
  machine: number;
}

/** Busy CPU seconds of the whole machine: /proc/stat's first line without idle and iowait. */
function machineSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / clockTicks();
}

function postgresSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += cpuSeconds(Number(entry));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

export function cpuSample(): CpuSample {
  const { user, system } = process.cpuUsage();
  return { self: (user + system) / 1e6, postgres: postgresSeconds(), machine: machineSeconds() };
}

/** CPU milliseconds per operation between two samples. */
export function perOperation(from: CpuSample, to: CpuSample, operations: number): CpuSample {
  const ms = (a: number, b: number) => ((b - a) * 1000) / operations;
  return {
    self: ms(from.self, to.self),
    postgres: ms(from.postgres, to.postgres),
    machine: ms(from.machine, to.machine),
  };
}
