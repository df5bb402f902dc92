/**
 * Remediations completed/s end to end, and per-RR orchestration overhead (RR
 * created → Completed, with every controller answering at once), against a minimal
 * workflow running the same number of activities on the same Temporal server, in
 * the same worker process (bench/worker-process.ts). The activity count is read
 * from a finished remediation's history. All five built-in controllers do their
 * real work (the restart really patches the zero-replica Deployment).
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { workflowIdFor } from '../lib/remediation-messages.js';
import { spawnTs, stopChild, waitForOutput } from './child-process.js';
import { type BenchContext, scale } from './context.js';
import { benchKube, inBatches } from './kube-fixtures.js';
import { type FigureRow, percentile, until } from './stats.js';

const WORKER = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const TERMINAL = ['Completed', 'Failed', 'TimedOut', 'Skipped', 'Cancelled'];

export async function remediations(ctx: BenchContext): Promise<FigureRow[]> {
  const n = scale(ctx, 10, 50);
  const ns = `${ctx.tag}-dev`; // environment Development: no approval needed
  const k = benchKube(ctx.kubeconfigPath);
  await k.namespace(ns, 'development');
  // A target of its own for every RR: a remediated target is in cooldown for 5 min.
  const target = (r: number, i: number) => `app-${r}-${i}`;
  await k.deployments(
    ns,
    Array.from({ length: ctx.runs * n }, (_, j) => target(Math.floor(j / n), j % n)),
  );
  const queues = { BENCH_TASK_QUEUE: `${ctx.tag}-rem`, BENCH_MINIMAL_QUEUE: `${ctx.tag}-min` };
  const worker = spawnTs(WORKER, { ...ctx.env, ...queues, BENCH_WATCH_NAMESPACE: ns });
  const connection = await Connection.connect({ address: ctx.temporalAddress });
  const client = new Client({ connection, namespace: ctx.temporalNamespace });
  const base = { values: [], reference: [], referenceLabel: 'minimal workflow' };
  const rps: FigureRow = {
    ...base,
    figure: 'remediations completed/s',
    unit: 'RR/s',
    better: 'higher',
    target: '≥ 0.8×',
    met: (_m, ratio) => ratio >= 0.8,
    notes: [],
  };
  const p50: FigureRow = {
    ...base,
    figure: 'orchestration overhead p50 per RR',
    unit: 'ms',
    better: 'lower',
    values: [],
    reference: [],
  };
  const p99: FigureRow = {
    ...base,
    figure: 'orchestration overhead p99 per RR',
    unit: 'ms',
    better: 'lower',
    values: [],
    reference: [],
  };
  try {
    await waitForOutput(worker, 'ready', 300_000);
    let activities = 0;
    for (let r = 0; r < ctx.runs; r++) {
      // Remediations: create n RRs together, wait until every one is terminal.
      const names = Array.from({ length: n }, (_, i) => `rr-${r}-${i}`);
      const created = new Map<string, number>();
      const start = Date.now();
      await inBatches(names, 10, async (name) => {
        created.set(name, Date.now());
        await k.remediationRequest(ns, name, target(r, Number(name.split('-')[2])));
      });
      const done = await until(
        `${n} remediations to finish`,
        async () => {
          const rrs = (await k.remediationRequests(ns)).filter((o) => names.includes(o.metadata.name));
          const fin = rrs.filter((o) => TERMINAL.includes(o.status?.overallPhase as string));
          return fin.length === n ? fin : undefined;
        },
        600_000,
        250,
      );
      const bad = done.filter(
        (o) =>
          (o.status?.completionStatus as { outcome?: string } | undefined)?.outcome !== 'Remediated' &&
          o.status?.outcome !== 'Remediated',
      );
      if (bad.length)
        rps.notes!.push(
          `run ${r}: ${bad.length} not Remediated (e.g. ${bad[0]!.status?.overallPhase}: ${String(bad[0]!.status?.message)})`,
        );
      const latencies = done.map(
        (o) => Date.parse(o.status?.completedAt as string) - created.get(o.metadata.name)!,
      );
      const last = Math.max(...done.map((o) => Date.parse(o.status?.completedAt as string)));
      rps.values.push(n / ((last - start) / 1000));
      p50.values.push(percentile(latencies, 50));
      p99.values.push(percentile(latencies, 99));

      if (!activities) {
        const history = await client.workflow.getHandle(workflowIdFor(ns, names[0]!)).fetchHistory();
        // Activities and local activities (a marker each) alike: the reference runs as many.
        const events = history.events ?? [];
        const remote = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
        const local = events.filter(
          (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
        ).length;
        activities = remote + local;
        rps.notes!.push(
          `${n} RRs per run; ${activities} activities per remediation (from its history: ${remote} activities, ${local} local activities); the minimal workflow runs as many no-op activities`,
        );
        rps.notes!.push('all five built-in controllers, fast mode: stabilizationWindow 0s');
      }

      // Reference: n minimal workflows with the same number of activities, started together.
      const mStart = Date.now();
      const mLat = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const t = Date.now();
          await client.workflow.execute('minimalWorkflow', {
            taskQueue: queues.BENCH_MINIMAL_QUEUE,
            workflowId: `${ctx.tag}-min-${r}-${i}`,
            args: [activities],
            workflowExecutionTimeout: '10 minutes',
          });
          return Date.now() - t;
        }),
      );
      rps.reference.push(n / ((Date.now() - mStart) / 1000));
      p50.reference.push(percentile(mLat, 50));
      p99.reference.push(percentile(mLat, 99));
      ctx.log(
        `remediation run ${r}: ${rps.values[r]!.toFixed(2)} RR/s vs minimal ${rps.reference[r]!.toFixed(2)}/s`,
      );
    }
  } finally {
    await stopChild(worker);
    await connection.close();
    await k.deleteNamespace(ns);
  }
  return [rps, p50, p99];
}
