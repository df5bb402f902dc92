/**
 * `--against`: batch ingest (POST /api/v1/audit/events/batch), ours against the other
 * Data Storage. The workload is audit-ingest's — the same generator, batch sizes,
 * counts and 4 concurrent clients — with the Kubernaut-valid bodies on both sides.
 * Correlation ids differ by side (so neither extends the other's chains when both use
 * one database) but have the same length, so the bodies are byte for byte as large.
 * Only 201s count as ingested.
 */

import { inTurn, type OtherSide, type Side, statusNote, stored } from './against-sides.js';
import { ensurePartitions } from './audit-ingest.js';
import { type BenchContext, scale } from './context.js';
import { runLoad } from './load.js';
import { startApi } from './servers.js';
import type { FigureRow } from './stats.js';

/** As audit-ingest: a few replicas' audit buffers flushing at once. */
const CONNECTIONS = 4;
export const BATCH_SIZES = [100, 500];

async function ingest(side: Side, size: number, batches: number, tag: string, t0: number) {
  const load = await runLoad({
    url: `${side.url}/api/v1/audit/events/batch`,
    method: 'POST',
    headers: { authorization: `Bearer ${side.token}` },
    connections: CONNECTIONS,
    amount: batches,
    timeoutSec: 300,
    body: { kind: 'audit-batch', size, tag, t0, shape: 'kubernaut' },
  });
  return { perSec: (stored(load) * size) / load.durationSec, load };
}

export async function againstIngest(ctx: BenchContext, other: OtherSide): Promise<FigureRow[]> {
  const t0 = Date.now() - 3_600_000;
  await ensurePartitions(ctx, t0);
  const ours = await startApi(ctx);
  const rows: FigureRow[] = [];
  try {
    for (const size of BATCH_SIZES) {
      const batches = size === 100 ? scale(ctx, 50, 200) : scale(ctx, 16, 60);
      const row: FigureRow = {
        figure: `audit ingest, batches of ${size}, ours vs ${other.url}`,
        unit: 'events/s',
        values: [],
        reference: [],
        referenceLabel: 'other side',
        better: 'higher',
        target: '≥ 3×',
        met: (_m, ratio) => ratio >= 3,
        notes: [],
      };
      for (let r = 0; r < ctx.runs; r++) {
        const measure = async (which: 'o' | 't') => {
          const side = which === 'o' ? ours : other;
          const res = await ingest(side, size, batches, `${ctx.tag}-x${size}-${r}-${which}`, t0);
          const note = statusNote(which === 'o' ? 'ours' : 'other side', res.load);
          if (note) row.notes!.push(`run ${r}, ${note}`);
          return res.perSec;
        };
        const [o, t] = await inTurn(
          r,
          () => measure('o'),
          () => measure('t'),
        );
        row.values.push(o);
        row.reference.push(t);
      }
      row.notes!.push(
        `${batches} batches × ${size} events per run and side, ${CONNECTIONS} concurrent clients`,
      );
      rows.push(row);
      ctx.log(
        `against ingest ${size}: ours ${row.values.map(Math.round).join(', ')} / other ${row.reference.map(Math.round).join(', ')} events/s`,
      );
    }
  } finally {
    await ours.close();
  }
  return rows;
}
