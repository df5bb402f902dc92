/**
 * Worker resident memory with 1,000 remediations in flight, all waiting on
 * approval (--quick: 100), against the same worker idle. The worker is the real
 * entry point as the image runs it — workers/main.ts bundled by `npm run build`,
 * dist/workers/main.js — as a child process (so its RSS is its own, read
 * from /proc/<pid>/status) with the built-in SignalProcessing and AIAnalysis
 * controllers; the namespace is labelled production, so every analysis asks for
 * approval and the remediation parks in AwaitingApproval.
 */
import { Client, Connection } from '@temporalio/client';
import { workflowIdFor } from '../lib/remediation-messages.js';
import { settledRss, stopChild, waitForOutput } from './child-process.js';
import { type BenchContext, scale } from './context.js';
import { heapBreakdown } from './heap-breakdown.js';
import { inBatches } from './kube-fixtures.js';
import { parkInWaves } from './park-in-waves.js';
import { parkingWorker } from './parking-worker.js';
import { type FigureRow, sleep } from './stats.js';

export async function workerMemory(ctx: BenchContext): Promise<FigureRow[]> {
  const n = scale(ctx, 100, 1_000);
  const ns = `${ctx.tag}-prod`;
  const { worker, k, names } = await parkingWorker(ctx, ns, n);
  const row: FigureRow = {
    figure: `worker RSS, ${n} RRs awaiting approval`,
    unit: 'MB',
    values: [],
    reference: [],
    referenceLabel: 'idle worker',
    better: 'lower',
    target: '< 400 MB',
    met: (m) => m < 400,
    notes: [],
  };
  try {
    await waitForOutput(worker, '[worker] running', 300_000);
    await sleep(3000);
    const idle = await settledRss(worker.pid!);
    const reachSec = await parkInWaves(ctx, k, ns, names, {
      timeoutMs: scale(ctx, 300_000, 2_700_000),
    });
    // Parked is a state that lasts: read it as an operator would see it while they wait,
    // past the worker's next two looks at its memory (workers/collect-when-grown.ts).
    await sleep(125_000);
    row.values.push(await settledRss(worker.pid!));
    row.reference.push(idle);
    row.notes!.push(
      `one run; ${n} RRs reached AwaitingApproval in ${reachSec.toFixed(0)} s (${(n / reachSec).toFixed(1)} RR/s through Processing and Analyzing)`,
    );
    row.notes!.push(`${(((row.values[0]! - idle) * 1024) / n).toFixed(0)} kB per remediation in flight`);
    // Last, since its collections change what it measures: where the memory is.
    row.notes!.push(...(await heapBreakdown(worker.pid!).catch((e) => [`no heap breakdown: ${String(e)}`])));
  } finally {
    await stopChild(worker);
    // Nothing should keep waiting for a decision after the bench (matters on a shared Temporal).
    const connection = await Connection.connect({ address: ctx.temporalAddress });
    const client = new Client({ connection, namespace: ctx.temporalNamespace });
    await inBatches(names, 20, (name) =>
      client.workflow
        .getHandle(workflowIdFor(ns, `rr-${name}`))
        .terminate('bench finished')
        .catch(() => {}),
    );
    await connection.close();
    await k.deleteNamespace(ns);
  }
  return [row];
}
