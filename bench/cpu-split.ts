/**
 * Where a window's CPU went on this machine, from /proc: the bench process itself (the
 * API under test runs in it), every PostgreSQL process, the kube-apiserver and etcd of
 * the embedded stack, and the whole machine (the rest is the load generator and
 * everything else). Seconds of CPU, user + system. Every process of those names on the
 * machine counts, whichever stack it belongs to: run the figures that use it alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks, cpuSeconds } from './child-process.js';

/** CPU seconds per operation, or in a window, by part of the machine. */
export interface CpuSplit {
  self: number;
  postgres: number;
  apiserver: number;
  etcd: number;
  machine: number;
}

const COMMANDS = { postgres: 'postgres', apiserver: 'kube-apiserver', etcd: 'etcd' } as const;
type Part = keyof typeof COMMANDS;

/** A point in time: CPU seconds so far of this process, the machine, and each watched process by pid. */
export interface CpuSample {
  self: number;
  machine: number;
  processes: Map<number, { part: Part; seconds: number }>;
}

/** Busy CPU seconds of the whole machine: /proc/stat's first line without idle and iowait. */
function machineSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / clockTicks();
}

const partOf = Object.fromEntries(Object.entries(COMMANDS).map(([part, comm]) => [comm, part as Part]));

/** CPU seconds so far of every process of the watched commands, by pid. */
function watchedProcesses(): CpuSample['processes'] {
  const out: CpuSample['processes'] = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const part = partOf[readFileSync(`/proc/${entry}/comm`, 'utf8').trim()];
      if (part) out.set(Number(entry), { part, seconds: cpuSeconds(Number(entry)) });
    } catch {
      // the process ended between the listing and the read
    }
  }
  return out;
}

export function cpuSample(): CpuSample {
  const { user, system } = process.cpuUsage();
  return { self: (user + system) / 1e6, machine: machineSeconds(), processes: watchedProcesses() };
}

/**
 * CPU milliseconds per operation between two samples. Per process: one that started
 * in between counts whole, one that ended in between is left out (its last moments
 * are lost, never counted negative: PostgreSQL backends come and go with connections).
 */
export function perOperation(from: CpuSample, to: CpuSample, operations: number): CpuSplit {
  const parts: Record<Part, number> = { postgres: 0, apiserver: 0, etcd: 0 };
  for (const [pid, now] of to.processes) {
    const before = from.processes.get(pid);
    parts[now.part] += now.seconds - (before?.part === now.part ? before.seconds : 0);
  }
  const ms = (seconds: number) => (seconds * 1000) / operations;
  return {
    self: ms(to.self - from.self),
    postgres: ms(parts.postgres),
    apiserver: ms(parts.apiserver),
    etcd: ms(parts.etcd),
    machine: ms(to.machine - from.machine),
  };
}
