/**
 * The worker's V8 young generation, capped at 2 MB per semi-space before any other
 * module loads — imported first by workers/main.ts, so it also holds for the
 * workflow thread the Temporal SDK starts later (each thread is its own V8 heap).
 *
 * Why: a parked remediation's cached workflow is evicted and replayed whenever more
 * are in flight than the cache holds, and every replay allocates short-lived objects.
 * With V8's default semi-spaces (up to 16–32 MB each, per heap) that garbage kept
 * both heaps' young generations at their largest: `npm run bench -- worker-memory
 * --quick` with 100 parked and a cache of 20 measured 512 MB resident, 270 MB with
 * this cap (idle 266 → 227 MB). Scavenges get more frequent, not longer; the cost is
 * measured by the remediation throughput figure (docs/performance.md).
 *
 * A `--max-semi-space-size` given on the command line or in NODE_OPTIONS wins.
 */
import { setFlagsFromString } from 'node:v8';

/** MB per semi-space; `KUBERNAUT_WORKER_SEMI_SPACE_MB=0` keeps V8's default. */
export const DEFAULT_SEMI_SPACE_MB = 2;

export function semiSpaceFlag(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string | undefined {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => a.startsWith('--max-semi-space-size'))) return undefined;
  const raw = env.KUBERNAUT_WORKER_SEMI_SPACE_MB;
  const mb = raw === undefined || raw === '' ? DEFAULT_SEMI_SPACE_MB : Number(raw);
  if (!Number.isInteger(mb) || mb < 0)
    throw new Error(
      `KUBERNAUT_WORKER_SEMI_SPACE_MB must be a whole number of MB, got ${JSON.stringify(raw)}`,
    );
  return mb === 0 ? undefined : `--max-semi-space-size=${mb}`;
}

const flag = semiSpaceFlag(process.env, process.execArgv);
if (flag) setFlagsFromString(flag);
