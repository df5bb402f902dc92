import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStack } from '../../stack/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Processes whose process group is `pgid` (field 5 of /proc/<pid>/stat). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number, detail = () => '') {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `npm run <script>` as a terminal would (its own process group), with a
 * temp folder of its own, waits until it says it is up, then sends `signal` to
 * the whole group, as Ctrl-C does.
 */
async function startThenSignal(script: string, signal: NodeJS.Signals) {
  const tmp = mkdtempSync(join(tmpdir(), 'kubernaut-signal-'));
  // Like /tmp: PostgreSQL's initdb runs as the `postgres` user and must create its folder here.
  chmodSync(tmp, 0o1777);
  // Any free port, taken when the API listens: a port picked here could be taken by
  // then (the stack takes seconds to start) by anything else on a busy machine.
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, API_PORT: '0' };
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'KUBECONFIG']) delete env[k];
  let output = '';
  const child: ChildProcess = spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid!;
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  try {
    await waitFor(
      `npm run ${script} up`,
      () => output.includes('Ctrl-C to stop') || child.exitCode !== null,
      240_000,
    );
    expect(child.exitCode, output).toBeNull();
    const members = groupMembers(pgid);
    // npm, node, temporal, etcd, kube-apiserver, kube-controller-manager, PostgreSQL (+ its workers).
    expect(members.length, output).toBeGreaterThanOrEqual(7);
    const written = readdirSync(tmp).filter((n) => n.startsWith('kubernaut-'));
    expect(
      written.length,
      'the stack and PostgreSQL data folders exist while it runs',
    ).toBeGreaterThanOrEqual(2);

    process.kill(-pgid, signal);
    // The shutdown's hard stop is 20 s (stack/shutdown.ts); a little slack for the OS.
    await waitFor(
      'every process of the group gone',
      () => groupMembers(pgid).length === 0,
      25_000,
      () => output,
    );
    // tsx and npm (Node's module compile cache) keep caches there; everything of ours must be gone.
    const left = readdirSync(tmp).filter((n) => !n.startsWith('tsx-') && n !== 'node-compile-cache');
    expect(left, `left behind in ${tmp}`).toEqual([]);
  } finally {
    if (groupMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('embedded stack lifecycle', () => {
  it('stops every process it started', async () => {
    const saved = { ...process.env };
    for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'KUBECONFIG']) delete process.env[k];
    try {
      const stack = await startStack({ log: () => {} });
      const pids = [stack.temporal!.process.pid, ...stack.kube!.processes.map((p) => p.pid)];
      const pgPid = Number(readFileSync(`${stack.postgres!.dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
      expect(pids.length).toBe(4); // temporal, etcd, kube-apiserver, kube-controller-manager
      for (const pid of [...pids, pgPid]) expect(alive(pid), `pid ${pid} running`).toBe(true);
      await stack.stop();
      for (const pid of [...pids, pgPid]) expect(alive(pid), `pid ${pid} stopped`).toBe(false);
      expect(readdirSync(tmpdir())).not.toContain(stack.workDir.split('/').pop());
      expect(readdirSync(tmpdir())).not.toContain(stack.postgres!.dataDir.split('/').pop());
    } finally {
      process.env = saved;
    }
  }, 300_000);

  it('Ctrl-C on `npm start` (SIGINT to the process group) stops everything and leaves no folder behind', async () => {
    await startThenSignal('start', 'SIGINT');
  }, 400_000);

  it('SIGTERM to `npm run stack` (the whole group) stops everything and leaves no folder behind', async () => {
    await startThenSignal('stack', 'SIGTERM');
  }, 400_000);
});
