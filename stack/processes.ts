/**
 * Child processes of the embedded stack: started with their output in a log file,
 * stopped by process id (SIGTERM, then SIGKILL after a grace period), and killed
 * when this Node process exits for any reason, so no server outlives its stack.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code once the process has gone. */
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();

function killAllSync() {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAllSync);

export function startProcess(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
) {
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const proc: ManagedProcess = {
    name,
    pid: child.pid,
    logFile,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        live.delete(proc);
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      live.delete(proc);
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** The last lines of a process's log, for error messages. */
export function tailLog(p: ManagedProcess, lines = 30): string {
  try {
    return readFileSync(p.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Waits until `check` resolves true, failing early if the process dies.
 * Polls every `intervalMs`; this is start-up readiness, not workflow waiting.
 */
export async function waitReady(
  p: ManagedProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void p.exited.then(() => {
    died = true;
  });
  while (Date.now() < deadline) {
    if (died) throw new Error(`${what} exited during start-up; last log lines:\n${tailLog(p)}`);
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s; last log lines:\n${tailLog(p)}`);
}
