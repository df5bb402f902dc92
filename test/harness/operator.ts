/**
 * What an operator runs from a runbook (docs/runbooks/), run the same way by the
 * runbook tests (test/runbooks/): the `kubernaut` CLI through its bin, the `temporal`
 * CLI the stack uses, `curl -s <url>` (a GET whose body is printed whatever the
 * status) and `grep '^<name>'` over /metrics text. Each returns what a terminal shows.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { Readiness } from '../../lib/health/readiness.js';
import { freePort } from '../../stack/processes.js';
import { resolveTool } from '../../stack/tools.js';
import { startHealthServer } from '../../workers/health-server.js';
import { workerRegistry } from '../../workers/metrics.js';
import { stackInfo } from './index.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment an operator's shell has: where Temporal is, and nothing else of the test's. */
const operatorEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TEMPORAL_ADDRESS: stackInfo().temporalAddress,
  TEMPORAL_NAMESPACE: stackInfo().temporalNamespace,
  KUBERNAUT_CONFIG: '/nonexistent/kubernaut.yaml',
  ...extra,
});

/** `kubernaut <args>` (cli/bin.js, as `npm link` installs it). */
export const kubernaut = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  run(process.execPath, ['cli/bin.js', ...args], operatorEnv(env));

/** `temporal <args>`: the Temporal CLI binary the embedded stack runs. */
export async function temporal(args: string[]): Promise<Run> {
  return run((await resolveTool('temporal')).path, args, operatorEnv());
}

/** `curl -s <url>`: the status and the body, whatever the status. */
export async function curl(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** `grep '^<prefix>'`: the lines of `text` that start with `prefix`. */
export const grep = (text: string, prefix: string): string[] =>
  text.split('\n').filter((l) => l.startsWith(prefix));

/** The value of the sample line `name{labels}` in /metrics text (labels in prom-client's order), 0 if absent. */
export function sampleValue(lines: string[], series: string): number {
  const line = lines.find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/**
 * The worker's probe port as workers/main.ts serves it (GET /healthz, /readyz,
 * /metrics) for a runtime the test started; `url` is its base, e.g. `${url}/readyz`.
 */
export function useWorkerProbePort(readiness: () => Promise<Readiness>): { url: string } {
  const endpoint = { url: '' };
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const server = await startHealthServer(() => readiness(), await freePort(), '127.0.0.1', workerRegistry);
    endpoint.url = `http://127.0.0.1:${server.port}`;
    close = server.close;
  });
  afterAll(() => close());
  return endpoint;
}
