/**
 * Single-event write latency (POST /api/v1/audit/events) under 50 concurrent
 * clients, p50 and p99 from the client's histogram, against the same client on an
 * empty Fastify route. Each request is the genesis of a fresh correlation, so the
 * figure measures the write path, not 50 clients queueing on one chain's lock.
 */
import { type BenchContext, scale } from './context.js';
import { runLoad } from './load.js';
import { type RunningServer, startApi, startEmptyServer } from './servers.js';
import type { FigureRow } from './stats.js';

export const CONNECTIONS = 50;

/** The figure's load: `amount` single writes from 50 clients, each event a new correlation. */
export function singleWrites(server: RunningServer, amount: number, tag: string, t0: number) {
  return runLoad({
    url: `${server.url}/api/v1/audit/events`,
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}` },
    connections: CONNECTIONS,
    amount,
    timeoutSec: 300,
    body: { kind: 'audit-single', tag, t0 },
  });
}

export async function auditLatency(ctx: BenchContext): Promise<FigureRow[]> {
  const t0 = Date.now() - 3_600_000;
  const amount = scale(ctx, 1_000, 10_000);
  const api = await startApi(ctx);
  const empty = await startEmptyServer();
  const p50: FigureRow = {
    figure: 'audit single write p50 (50 clients)',
    unit: 'ms',
    values: [],
    reference: [],
    referenceLabel: 'empty route',
    better: 'lower',
    notes: [`${amount} requests per run`],
  };
  const p99: FigureRow = {
    ...p50,
    figure: 'audit single write p99 (50 clients)',
    values: [],
    reference: [],
    target: 'p99 ≤ 20 ms and ≤ 1.5×',
    met: (m, ratio) => m <= 20 && ratio <= 1.5,
    notes: [],
  };
  const rps: FigureRow = {
    ...p50,
    figure: 'audit single writes/s (50 clients)',
    unit: 'req/s',
    better: 'higher',
    values: [],
    reference: [],
    notes: [],
  };
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const body = { kind: 'audit-single', tag: `${ctx.tag}-s-${r}`, t0 } as const;
      const real = await singleWrites(api, amount, body.tag, t0);
      // Same client, same bodies, same concurrency: only the server's work differs.
      const ref = await runLoad({
        url: `${empty.url}/empty`,
        method: 'POST',
        connections: CONNECTIONS,
        amount,
        timeoutSec: 120,
        body,
      });
      if (real.non2xx || real.errors)
        p50.notes!.push(`run ${r}: ${real.non2xx} non-2xx, ${real.errors} errors`);
      p50.values.push(real.latencyP50);
      p50.reference.push(ref.latencyP50);
      p99.values.push(real.latencyP99);
      p99.reference.push(ref.latencyP99);
      rps.values.push(real.perSec);
      rps.reference.push(ref.perSec);
    }
  } finally {
    await api.close();
    await empty.close();
  }
  return [p50, p99, rps];
}
