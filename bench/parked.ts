/**
 * What remediations parked on approval cost a worker while they wait (issue 19):
 * 10,000 of them (--quick: 500), the worker's resident memory and its CPU over a
 * waiting window, each against the same worker idle over a window as long. The
 * window is at least twice the old 60 s re-read, one watcher resync (5 min by default)
 * and one reconciler full pass (10 min), so it holds every periodic cost a parked
 * remediation has ever had: before `no-periodic-child-reread`, a wake per minute
 * each, each a full replay once the cache (100) is smaller than what is parked. The worker is the image's
 * entry point (dist/workers/main.js) with its defaults, the SignalProcessing and
 * AIAnalysis controllers, in a namespace labelled production (approval required).
 * A second window as long is profiled (cpu-profile.ts): the notes say where the CPU
 * of a parked worker goes.
 */
import { Client, Connection } from '@temporalio/client';
import { workflowIdFor } from '../lib/remediation-messages.js';
import { freePort } from '../stack/processes.js';
import { DEFAULT_RESYNC_MS } from '../workers/child-watcher.js';
import { DEFAULT_FULL_INTERVAL_MS } from '../workers/reconciler.js';
import { cpuSeconds, rssMb, settledRss, stopChild, waitForOutput } from './child-process.js';
import { type BenchContext, scale } from './context.js';
import { recordCpuProfile, summarizeCpuProfile } from './cpu-profile.js';
import { heapBreakdown } from './heap-breakdown.js';
import { inBatches } from './kube-fixtures.js';
import { parkInWaves } from './park-in-waves.js';
import { parkingWorker } from './parking-worker.js';
import { type FigureRow, sleep } from './stats.js';
import { threadCpu, threadCpuSplit } from './thread-cpu.js';
import { type GcReading, gcSplit, readGc } from './worker-gc.js';

/** The re-read interval parked waits had before (workflows/remediation.ts's default). */
const OLD_RECHECK_MS = 60_000;
/** Workflows whose histories are read to count the window's workflow tasks. */
const SAMPLE = 50;

/** The worker's CPU over `ms`, as % of one core. */
async function cpuPercent(pid: number, ms: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(ms);
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}

export async function parkedRemediations(ctx: BenchContext): Promise<FigureRow[]> {
  const n = scale(ctx, 500, 10_000);
  const resyncMs = Number(process.env.KUBERNAUT_WATCH_RESYNC_MS) || DEFAULT_RESYNC_MS;
  const fullMs = Number(process.env.KUBERNAUT_RECONCILE_FULL_MS) || DEFAULT_FULL_INTERVAL_MS;
  // As long as the longest clock: every periodic cost falls in it at least once.
  const windowMs = Math.max(2 * OLD_RECHECK_MS, resyncMs, fullMs);
  const ns = `${ctx.tag}-parked`;
  const metricsPort = await freePort();
  const { worker, k, names } = await parkingWorker(ctx, ns, n, {
    KUBERNAUT_HEALTH_PORT: String(metricsPort),
  });
  const gc = () => readGc(metricsPort).catch(() => new Map() as GcReading);
  const connection = await Connection.connect({ address: ctx.temporalAddress });
  const client = new Client({ connection, namespace: ctx.temporalNamespace });
  const common = { referenceLabel: 'idle worker', better: 'lower' as const };
  const rss: FigureRow = {
    ...common,
    figure: `worker RSS, ${n} RRs parked on approval`,
    unit: 'MB',
    values: [],
    reference: [],
    target: '< 600 MB (at 10,000)',
    met: (m) => m < 600,
    notes: [],
  };
  const cpu: FigureRow = {
    ...common,
    figure: `worker CPU while ${n} RRs are parked`,
    unit: '% of a core',
    values: [],
    reference: [],
    target: '< 5 % (at 10,000)',
    met: (m) => m < 5,
    notes: [],
  };
  try {
    await waitForOutput(worker, '[worker] running', 300_000);
    await sleep(3000);
    const pid = worker.pid!;
    const [idle0, idleGc0] = [threadCpu(pid), await gc()];
    cpu.reference.push(await cpuPercent(pid, windowMs));
    const idleByThread = threadCpuSplit(idle0, threadCpu(pid), windowMs / 1000);
    const idleGc = gcSplit(idleGc0, await gc());
    rss.reference.push(await settledRss(pid));
    ctx.log(
      `parked: idle worker ${rss.reference[0]!.toFixed(0)} MB, ${cpu.reference[0]!.toFixed(2)} % of a core`,
    );

    const parkSec = await parkInWaves(ctx, k, ns, names, {
      timeoutMs: scale(ctx, 1_800_000, 6 * 3_600_000),
      // A run cut short still says how memory grew.
      progress: (parked, sec) =>
        ctx.log(`parked: ${parked}/${n} after ${sec.toFixed(0)} s, worker RSS ${rssMb(pid).toFixed(0)} MB`),
    });
    // The last ones to park finish their first workflow task (the wait's read) here.
    await sleep(10_000);
    const from = new Date();
    const [threads0, gc0] = [threadCpu(pid), await gc()];
    cpu.values.push(await cpuPercent(pid, windowMs));
    const to = new Date();
    const byThread = threadCpuSplit(threads0, threadCpu(pid), (to.getTime() - from.getTime()) / 1000);
    const gcs = gcSplit(gc0, await gc());
    rss.values.push(await settledRss(pid));
    // Where that CPU goes: a second window as long, profiled (not the measured one: the
    // profiler's sampling costs CPU too).
    const profile = await recordCpuProfile(pid, windowMs)
      .then((p) => summarizeCpuProfile(p))
      .catch((e) => [`no CPU profile: ${String(e)}`]);

    // Last, since its collections change what it measures: where the memory is.
    const breakdown = await heapBreakdown(pid).catch((e) => [`no heap breakdown: ${String(e)}`]);
    const tasks = await tasksBetween(client, ns, names.slice(0, SAMPLE), from, to);
    const span = `window ${(windowMs / 1000).toFixed(0)} s (old re-read every ${OLD_RECHECK_MS / 1000} s, watcher resync every ${(resyncMs / 1000).toFixed(0)} s, reconciler's full pass every ${(fullMs / 1000).toFixed(0)} s)`;
    cpu.notes!.push(
      `one run; ${span}, idle worker measured over a window as long before the RRs were created`,
      `${tasks} workflow tasks in the window across ${Math.min(SAMPLE, n)} parked workflows (from their histories); before the change, a parked workflow ran one a minute`,
      `CPU by thread over the window (% of a core): ${byThread}; idle worker: ${idleByThread}`,
      `main-thread GC pauses in the window: ${gcs}; idle worker: ${idleGc}`,
      ...profile,
    );
    rss.notes!.push(
      `one run; ${n} RRs reached AwaitingApproval in ${parkSec.toFixed(0)} s (${(n / parkSec).toFixed(1)} RR/s); 10,000 at that rate: ${(10_000 / (n / parkSec) / 60).toFixed(0)} min`,
      `${(((rss.values[0]! - rss.reference[0]!) * 1024) / n).toFixed(0)} kB per parked remediation; approval and global timeouts 6 h (creation outlasts the 15 min default)`,
      ...breakdown,
    );
  } finally {
    await stopChild(worker);
    // Nothing should keep waiting for a decision after the bench (matters on a shared Temporal).
    await inBatches(names, 20, (name) =>
      client.workflow
        .getHandle(workflowIdFor(ns, `rr-${name}`))
        .terminate('bench finished')
        .catch(() => {}),
    );
    await connection.close();
    await k.deleteNamespace(ns);
  }
  return [rss, cpu];
}

/** Workflow tasks the sampled workflows completed between `from` and `to`. */
async function tasksBetween(client: Client, ns: string, names: string[], from: Date, to: Date) {
  let tasks = 0;
  for (const name of names) {
    const h = await client.workflow.getHandle(workflowIdFor(ns, `rr-${name}`)).fetchHistory();
    for (const e of h.events ?? []) {
      if (!e.workflowTaskCompletedEventAttributes || !e.eventTime?.seconds) continue;
      const at = Number(e.eventTime.seconds) * 1000;
      if (at >= from.getTime() && at <= to.getTime()) tasks++;
    }
  }
  return tasks;
}
