/**
 * What the worker-memory and parked figures share: n Deployments in a namespace
 * labelled production (every analysis asks for approval, so each remediation parks in
 * AwaitingApproval), and the worker as the image runs it — the bundled entry point with
 * the image's node flags and malloc arena cap (workers/heap-flags.ts) and the SignalProcessing and AIAnalysis
 * controllers — watching that namespace.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerNodeArgs, workerProcessEnv } from '../workers/heap-flags.js';
import { spawnBuilt } from './child-process.js';
import type { BenchContext } from './context.js';
import { benchKube } from './kube-fixtures.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function parkingWorker(
  ctx: BenchContext,
  ns: string,
  n: number,
  env: Record<string, string> = {},
): Promise<{ worker: ChildProcess; k: ReturnType<typeof benchKube>; names: string[] }> {
  const k = benchKube(ctx.kubeconfigPath);
  await k.namespace(ns, 'production');
  const names = Array.from({ length: n }, (_, i) => `app-${i}`);
  await k.deployments(ns, names);
  const worker = spawnBuilt(
    ROOT,
    'dist/workers/main.js',
    {
      ...ctx.env,
      ...workerProcessEnv(process.env),
      KUBERNAUT_WATCH_NAMESPACE: ns,
      KUBERNAUT_CONTROLLERS: 'signalprocessing,aianalysis',
      LOG_LEVEL: 'warn',
      ...env,
    },
    workerNodeArgs(process.env),
  );
  return { worker, k, names };
}
