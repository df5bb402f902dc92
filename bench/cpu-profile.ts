/**
 * Where a running worker's main-thread CPU goes over a window, read from outside
 * while it works: a V8 sampling profile through its inspector, summarised as text
 * (the parked figure adds it to its notes: the issue asks for the profile behind every
 * missed target).
 *
 *   node --import tsx bench/cpu-profile.ts <worker pid> <seconds> [out.cpuprofile]
 *
 * Two views: self time by where the code lives (a package under node_modules, a file
 * of ours, or V8's own: garbage collection, idle), and time by the project's own
 * functions including what they call — which of our code paths the time is spent for.
 */
import { writeFileSync } from 'node:fs';
import { openInspector } from './inspector.js';
import { sleep } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Records `ms` of the main thread's CPU (sampling every `intervalUs`). */
export async function recordCpuProfile(pid: number, ms: number, intervalUs = 1000): Promise<CpuProfile> {
  const s = await openInspector(pid);
  try {
    await s.send('Profiler.enable');
    await s.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await s.send('Profiler.start');
    await sleep(ms);
    const stopped = await s.send('Profiler.stop');
    return (stopped.result as { profile: CpuProfile }).profile;
  } finally {
    s.close();
  }
}

/** A frame's home: the package it comes from, a file of ours, or V8's own bookkeeping. */
function where(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node (built-in)';
  const ours = /\/(dist\/)?((?:workers|activities|lib|api|workflows|bench)\/.+?)(\.js|\.ts)?$/.exec(url);
  return ours ? ours[2]! : url.replace(/^.*\//, '');
}

const isOurs = (url: string) => !!url && !url.includes('node_modules') && !url.startsWith('node:');

/** The profile as lines of text: the top `top` of each view, in % of the window. */
export function summarizeCpuProfile(p: CpuProfile, top = 12): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = p.endTime - p.startTime;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(id)!;
    const home = where(leaf.callFrame.url, leaf.callFrame.functionName);
    self.set(home, (self.get(home) ?? 0) + dt);
    if (home !== '(idle)' && home !== '(program)') busy += dt;
    // Each of our functions on the stack once, however deep the recursion.
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const f = n.callFrame;
      if (!isOurs(f.url)) continue;
      seen.add(`${f.functionName || '(anonymous)'} ${where(f.url, '')}:${f.lineNumber + 1}`);
    }
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  });
  const pct = (us: number) => `${((us / total) * 100).toFixed(2)} %`;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${pct(v)} ${k}`)
      .join('; ');
  return [
    `main thread CPU profile over ${(total / 1e6).toFixed(0)} s: busy ${pct(busy)} of the window (samples outside idle and V8's own "(program)")`,
    `self time by where the code lives: ${list(self)}`,
    `time in the project's functions, with what they call: ${list(inclusive)}`,
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const [pid, seconds, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
  if (!pid || !seconds) throw new Error('usage: cpu-profile.ts <pid> <seconds> [out.cpuprofile]');
  const profile = await recordCpuProfile(pid, seconds * 1000);
  if (out) writeFileSync(out, JSON.stringify(profile));
  for (const l of summarizeCpuProfile(profile)) console.log(l);
  process.exit(0);
}
