/**
 * A process's CPU by thread, from /proc/<pid>/task/<tid>/stat: which of a worker's
 * threads spend the time — its main thread (our code: watchers, reconciler, gRPC client),
 * the SDK's Rust core (`tokio-runtime-w`), V8's helpers (concurrent marking and sweeping:
 * `V8 DefaultWorke`), libuv's pool, the workflow thread. A main-thread CPU profile
 * (cpu-profile.ts) sees only the first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from './child-process.js';

/** CPU seconds (user + system) so far, summed by thread name; the main thread by itself. */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const name =
      Number(tid) === pid ? 'main thread' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / clockTicks();
    out.set(name, (out.get(name) ?? 0) + seconds);
  }
  return out;
}

/**
 * What each thread name spent between two readings, in % of one core over `seconds` of
 * wall time, largest first. Threads that ended in between are not counted.
 */
export function threadCpuSplit(before: Map<string, number>, after: Map<string, number>, seconds: number) {
  return [...after]
    .map(([name, s]) => [name, ((s - (before.get(name) ?? 0)) / seconds) * 100] as const)
    .filter(([, pct]) => pct >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, pct]) => `${name} ${pct.toFixed(2)} %`)
    .join(', ');
}
