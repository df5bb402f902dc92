/**
 * Runs one bounded load (bench/load-child.ts) in a separate process and returns
 * its summary. A child that outlives its time bound is killed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadSpec, LoadSummary } from './load-child.js';

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

export async function runLoad(spec: LoadSpec): Promise<LoadSummary> {
  // The spec goes on stdin, not argv: it may carry a bearer token.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
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
  const killer = setTimeout(() => child.kill('SIGKILL'), (spec.timeoutSec + 60) * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  const line = out.trim().split('\n').pop();
  if (code !== 0 || !line) throw new Error(`load generator failed (exit ${code}): ${err.slice(-2000)}`);
  const summary = JSON.parse(line) as LoadSummary;
  if (summary.ok === 0)
    throw new Error(`no request succeeded (${summary.non2xx} non-2xx, ${summary.errors} errors)`);
  return summary;
}
