/**
 * The worker's V8 young generation, capped at 2 MB per semi-space: on node's command
 * line (workerNodeArgs) or, failing that, set before any other module loads
 * (workers/apply-heap-flags.ts, imported first by workers/main.ts), which still holds
 * for the workflow thread the Temporal SDK starts later (each thread is its own V8 heap).
 *
 * Why: a parked remediation's cached workflow is evicted and replayed whenever more
 * are in flight than the cache holds, and every replay allocates short-lived objects.
 * With V8's default semi-spaces (up to 16–32 MB each, per heap) that garbage kept
 * both heaps' young generations at their largest: `npm run bench -- worker-memory
 * --quick` with 100 parked and a cache of 20 measured 512 MB resident, 270 MB with
 * this cap (idle 266 → 227 MB). Scavenges get more frequent, not longer; the cost is
 * measured by the remediation throughput figure (docs/performance.md).
 *
 * A `--max-semi-space-size` given on the command line or in NODE_OPTIONS wins (and,
 * given there, also caps the main thread's heap: see workerNodeArgs).
 */
/** MB per semi-space; `KUBERNAUT_WORKER_SEMI_SPACE_MB=0` keeps V8's default. */
export const DEFAULT_SEMI_SPACE_MB = 2;

/**
 * Given when node starts (NODE_OPTIONS in docker/entrypoint.sh, the command line of
 * the bench's built worker), the cap holds for the main thread's heap too: V8 sizes a heap when it creates it, so a
 * flag set at run time reaches only the heaps created after — the workflow thread's.
 */
export function workerNodeArgs(env: NodeJS.ProcessEnv): string[] {
  return [`--max-semi-space-size=${semiSpaceMb(env)}`];
}

/**
 * glibc's malloc arenas for the worker process, capped at 2 (MALLOC_ARENA_MAX, read by
 * glibc when the process starts, so it can only be given in the environment: the
 * image's entry point and the bench's worker set it, an operator's own value wins).
 *
 * Why: glibc gives each thread that allocates concurrently an arena of its own, up to 8
 * per core, and an arena keeps what it once held. The worker runs node's threads, the
 * SDK's workflow thread and the Rust core's tokio threads. With 1,000 parked, the worker
 * after collecting both V8 heaps came to 348 MB capped against 376 MB without
 * (docs/performance.md, worker memory 2026-12-02). Two arenas: the main thread's and
 * one shared by the rest, which mostly wait, so they rarely contend for it.
 */
export const DEFAULT_MALLOC_ARENA_MAX = 2;

/** The environment the worker process must start with (the bench's spawn; the image's entry point). */
export function workerProcessEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const given = env.MALLOC_ARENA_MAX;
  return { MALLOC_ARENA_MAX: given === undefined || given === '' ? String(DEFAULT_MALLOC_ARENA_MAX) : given };
}

/** The flag to set at run time, unless node's command line or NODE_OPTIONS gave one. */
export function semiSpaceFlag(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string | undefined {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => a.startsWith('--max-semi-space-size'))) return undefined;
  const mb = semiSpaceMb(env);
  return mb === 0 ? undefined : `--max-semi-space-size=${mb}`;
}

/**
 * `--optimize-for-size` when KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE=1 (off by default): V8
 * then grows its heaps less before collecting. After a forced GC the worker's main
 * thread held 63 MB of live objects and its workflow thread 27.5 MB while the process
 * was resident at 397 MB: the rest was garbage the default heuristics let pile up.
 * With it: worker-memory --quick (100 parked, cache 20) 343 -> 250 MB, and about 335 MB
 * with 768 of 1,000 parked (701 MB without) — but those 1,000 parked at about 0.8 RR/s
 * against 2.2 RR/s without (it also makes the JIT favour size), so it is a trade an
 * operator chooses: memory-bound nodes with mostly parked remediations. Node refuses it
 * in NODE_OPTIONS; set at run time it takes effect (each GC reads it).
 */
export function optimizeForSizeFlag(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE;
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  if (raw === '1') return '--optimize-for-size';
  throw new Error(`KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE must be 0 or 1, got ${JSON.stringify(raw)}`);
}

/** 0 is V8's own "size it yourself", on the command line as here. */
function semiSpaceMb(env: NodeJS.ProcessEnv): number {
  return wholeMbSetting(env, 'KUBERNAUT_WORKER_SEMI_SPACE_MB', DEFAULT_SEMI_SPACE_MB);
}

/** A worker memory setting in whole MB (0 allowed), its default when unset; anything else stops the start. */
export function wholeMbSetting(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  const mb = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isInteger(mb) || mb < 0)
    throw new Error(`${name} must be a whole number of MB, got ${JSON.stringify(raw)}`);
  return mb;
}
