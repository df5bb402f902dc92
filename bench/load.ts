/**
 * Runs one bounded load in a separate process — closed-loop (bench/load-child.ts,
 * autocannon) or open-loop (bench/open-loop-child.ts) — and returns its summary. A
 * child that outlives its time bound is killed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadSpec, LoadSummary } from './load-child.js';
import type { OpenLoopSpec, OpenLoopSummary } from './open-loop-child.js';

const CLOSED = fileURLToPath(new URL('./load-child.ts', import.meta.url));
const OPEN = fileURLToPath(new URL('./open-loop-child.ts', import.meta.url));

export async function runLoad(spec: LoadSpec): Promise<LoadSummary> {
  const summary = await runChild<LoadSummary>(CLOSED, spec, spec.timeoutSec);
  if (summary.ok === 0)
    throw new Error(`no request succeeded (${summary.non2xx} non-2xx, ${summary.errors} errors)`);
  return summary;
}

export function runOpenLoop(spec: OpenLoopSpec): Promise<OpenLoopSummary> {
  return runChild<OpenLoopSummary>(OPEN, spec, spec.durationSec + spec.requestTimeoutSec);
}

/** Spawns `script` with `spec` as JSON on stdin and parses the last line it prints. */
async function runChild<T>(script: string, spec: unknown, boundSec: number): Promise<T> {
  // The spec goes on stdin, not argv: it may carry a bearer token.
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(JSON.stringify(spec));
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  // Generating bodies counts against the bound too; allow a minute for it.
  const killer = setTimeout(() => child.kill('SIGKILL'), (boundSec + 60) * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  const line = out.trim().split('\n').pop();
  if (code !== 0 || !line) throw new Error(`load generator failed (exit ${code}): ${err.slice(-2000)}`);
  return JSON.parse(line) as T;
}
