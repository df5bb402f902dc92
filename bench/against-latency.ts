/**
 * `--against`: single-event writes (POST /api/v1/audit/events) under 50 concurrent
 * clients, ours against the other Data Storage: audit-latency's workload (each event
 * the genesis of a fresh correlation, same count) with the Kubernaut-valid bodies on
 * both sides. p50 and p99 come from the client's histogram of every response; stored
 * writes per second count 201s only. Which side goes first alternates run by run.
 */
import { inTurn, type OtherSide, type Side, statusNote, stored } from './against-sides.js';
import { type BenchContext, scale } from './context.js';
import { runLoad } from './load.js';
import { startApi } from './servers.js';
import type { FigureRow } from './stats.js';

const CONNECTIONS = 50;

export async function againstLatency(ctx: BenchContext, other: OtherSide): Promise<FigureRow[]> {
  const t0 = Date.now() - 3_600_000;
  const amount = scale(ctx, 1_000, 10_000);
  const ours = await startApi(ctx);
  const vs = `ours vs ${other.url}`;
  const p50: FigureRow = {
    figure: `audit single write p50 (50 clients), ${vs}`,
    unit: 'ms',
    values: [],
    reference: [],
    referenceLabel: 'other side',
    better: 'lower',
    notes: [`${amount} requests per run and side`],
  };
  const p99: FigureRow = {
    ...p50,
    figure: `audit single write p99 (50 clients), ${vs}`,
    values: [],
    reference: [],
    target: '≤ 0.3×',
    met: (_m, ratio) => ratio <= 0.3,
    notes: [],
  };
  const rps: FigureRow = {
    ...p50,
    figure: `audit single writes stored/s (50 clients), ${vs}`,
    unit: 'req/s',
    better: 'higher',
    values: [],
    reference: [],
    notes: [],
  };
  const measure = async (side: Side, name: string, tag: string) => {
    const load = await runLoad({
      url: `${side.url}/api/v1/audit/events`,
      method: 'POST',
      headers: { authorization: `Bearer ${side.token}` },
      connections: CONNECTIONS,
      amount,
      timeoutSec: 300,
      body: { kind: 'audit-single', tag, t0, shape: 'kubernaut' },
    });
    const note = statusNote(name, load);
    if (note) p50.notes!.push(note);
    return { p50: load.latencyP50, p99: load.latencyP99, perSec: stored(load) / load.durationSec };
  };
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const tag = (which: string) => `${ctx.tag}-x1-${r}-${which}`;
      const [o, t] = await inTurn(
        r,
        () => measure(ours, `run ${r}, ours`, tag('o')),
        () => measure(other, `run ${r}, other side`, tag('t')),
      );
      p50.values.push(o.p50);
      p50.reference.push(t.p50);
      p99.values.push(o.p99);
      p99.reference.push(t.p99);
      rps.values.push(o.perSec);
      rps.reference.push(t.perSec);
    }
  } finally {
    await ours.close();
  }
  ctx.log(`against latency p99: ours ${p99.values.join(', ')} / other ${p99.reference.join(', ')} ms`);
  return [p50, p99, rps];
}
