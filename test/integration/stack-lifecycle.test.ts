import { describe, expect, it } from 'vitest';
import { startStack } from '../../stack/index.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded stack lifecycle', () => {
  it('stops every process it started', async () => {
    const saved = { ...process.env };
    for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'KUBECONFIG']) delete process.env[k];
    try {
      const stack = await startStack({ log: () => {} });
      const pids = [stack.temporal!.process.pid, ...stack.kube!.processes.map((p) => p.pid)];
      const pgPid = Number(
        (await import('node:fs'))
          .readFileSync(`${stack.postgres!.dataDir}/postmaster.pid`, 'utf8')
          .split('\n')[0],
      );
      expect(pids.length).toBe(4); // temporal, etcd, kube-apiserver, kube-controller-manager
      for (const pid of [...pids, pgPid]) expect(alive(pid), `pid ${pid} running`).toBe(true);
      await stack.stop();
      for (const pid of [...pids, pgPid]) expect(alive(pid), `pid ${pid} stopped`).toBe(false);
    } finally {
      process.env = saved;
    }
  }, 300_000);
});
