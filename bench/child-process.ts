/** Starting and stopping the worker processes the figures measure, by pid, with time bounds. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function spawnTs(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The process as the image runs it: `npm run build` (esbuild, well under a second),
 * then plain node on the bundle — without tsx's loader thread (~110 MB).
 */
export function spawnBuilt(
  root: string,
  bundle: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): ChildProcess {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  return spawn(process.execPath, [...nodeArgs, bundle], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves when the child prints `marker` (stdout or stderr); fails if it exits or the time runs out. */
export function waitForOutput(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${marker}" after ${timeoutMs} ms: ${seen.slice(-1500)}`)),
      timeoutMs,
    );
    const on = (d: Buffer) => {
      seen += d;
      if (seen.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
      if (seen.length > 100_000) seen = seen.slice(-10_000);
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before "${marker}": ${seen.slice(-1500)}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU time a process has used so far (user + system, every thread), in seconds,
 * from /proc/<pid>/stat (fields 14 and 15, in clock ticks).
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

let ticks: number | undefined;
/**
 * Clock ticks per second (USER_HZ): the unit of /proc's CPU times. Asked of getconf
 * when it is there; a machine with only what README lists may not have it, and Linux
 * gives /proc in 100 ticks a second on every architecture it exports USER_HZ for.
 */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS, kB). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** Median RSS of a few readings a second apart: RSS moves with GC. */
export async function settledRss(pid: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    xs.push(rssMb(pid));
    await new Promise((r) => setTimeout(r, 1000));
  }
  return xs.sort((a, b) => a - b)[2]!;
}
