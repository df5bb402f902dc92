import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../stack/processes.js';
import { databaseEnv, eventually, stackInfo } from '../harness/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('worker process', () => {
  /** Starts the worker with `args`, waits until it runs, SIGTERMs it: it must drain and exit 0. */
  async function runsAndDrains(args: string[]) {
    const s = stackInfo();
    const healthPort = await freePort();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        ...databaseEnv(s),
        TEMPORAL_ADDRESS: s.temporalAddress,
        TEMPORAL_NAMESPACE: s.temporalNamespace,
        KUBECONFIG: s.kubeconfigPath,
        KUBERNAUT_WATCH_NAMESPACE: 'worker-process-test',
        KUBERNAUT_MAX_CACHED_WORKFLOWS: '50',
        KUBERNAUT_HEALTH_PORT: String(healthPort),
        KUBERNAUT_HEALTH_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(
        'the worker to report it is running',
        async () => output.includes('[worker] running'),
        60_000,
      );
      // Its probe endpoint reports each dependency.
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect(ready.status, output).toBe(200);
      const { checks } = (await ready.json()) as { checks: Record<string, { status: string }> };
      expect(Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v.status]))).toEqual({
        postgres: 'ok',
        temporal: 'ok',
        kubernetes: 'ok',
        worker: 'ok',
      });
      expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000)),
      ]);
      expect(code, output).toBe(0);
      expect(output).toContain('SIGTERM: draining');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }

  it('starts from the environment and, on SIGTERM, drains and exits 0', async () => {
    await runsAndDrains(['--import', 'tsx', 'workers/main.ts']);
  });

  it('bundled by npm run build (as the image runs it), starts from dist and drains on SIGTERM', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    await runsAndDrains(['dist/workers/main.js']);
  });

  it('refuses to start without its configuration, naming what is missing', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('DATABASE_URL is not set');
  });

  it('refuses a workflow cache size that is not a positive integer, naming the setting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: 'postgres://unused@127.0.0.1:1/none',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        KUBERNAUT_MAX_CACHED_WORKFLOWS: 'lots',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toContain('KUBERNAUT_MAX_CACHED_WORKFLOWS must be a positive integer, got "lots"');
  });
});
