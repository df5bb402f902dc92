/**
 * Audit ingest: events/s through POST /api/v1/audit/events/batch (batches of 100
 * and 500, ten-event remediation trails, hash chain on), against a raw COPY of
 * rows of the same shape into the same table — the fastest way PostgreSQL takes
 * rows, with hashes computed before the clock starts — and against the same API with
 * the audit log off. They alternate within a run so all see the table at the same size.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { withAuditLogOff } from './audit-log-off.js';
import { type BenchContext, scale } from './context.js';
import { runLoad } from './load.js';
import { type RunningServer, startApi } from './servers.js';
import { type FigureRow, seedOf } from './stats.js';
import { COPY_SQL, chainedRows, copyLine, remediationTrail } from './trail.js';

/** Concurrent batch clients: a few replicas' audit buffers flushing at once. */
const CONNECTIONS = 4;

export async function ensurePartitions(ctx: BenchContext, t0: number) {
  await ctx.pool.query('SELECT audit_ensure_partition(d::date) FROM unnest($1::text[]) AS d', [
    [new Date(t0).toISOString().slice(0, 10), new Date(t0 + 86_400_000).toISOString().slice(0, 10)],
  ]);
}

/** COPY text for `trails` fresh trails; built before timing. */
export function copyPayload(tag: string, trails: number, t0: number): Buffer {
  const lines: string[] = [];
  for (let n = 0; n < trails; n++) {
    const id = `${tag}-${n}`;
    for (const row of chainedRows(remediationTrail(id, seedOf(id), t0))) lines.push(copyLine(row));
  }
  return Buffer.from(lines.join(''));
}

/** Seconds one COPY of `payload` takes on its own connection. */
export async function timeCopy(ctx: BenchContext, payload: Buffer): Promise<number> {
  const client = await ctx.pool.connect();
  try {
    const t = process.hrtime.bigint();
    await pipeline(Readable.from([payload]), client.query(copyFrom(COPY_SQL)));
    return Number(process.hrtime.bigint() - t) / 1e9;
  } finally {
    client.release();
  }
}

/** One timed load of `batches` batches of `size` events through `api`: events/s, and a note on errors. */
export async function ingest(api: RunningServer, size: number, batches: number, tag: string, t0: number) {
  const load = await runLoad({
    url: `${api.url}/api/v1/audit/events/batch`,
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}` },
    connections: CONNECTIONS,
    amount: batches,
    timeoutSec: 300,
    body: { kind: 'audit-batch', size, tag, t0 },
  });
  const note = load.non2xx || load.errors ? `${load.non2xx} non-2xx, ${load.errors} errors` : undefined;
  return { perSec: (load.ok * size) / load.durationSec, note, load };
}

/**
 * Per run, three measurements side by side: the API (log on, sequencer running), a
 * COPY of the same rows, and the API with the audit log off (bench/audit-log-off.ts).
 * Two rows per batch size: the API against COPY, and the log's own cost (log on
 * against log off; the verifiable log's budget is 10 %).
 */
export async function auditIngest(ctx: BenchContext): Promise<FigureRow[]> {
  const t0 = Date.now() - 3_600_000;
  await ensurePartitions(ctx, t0);
  const api = await startApi(ctx);
  const apiLogOff = await startApi(ctx, undefined, { auditLog: false });
  const rows: FigureRow[] = [];
  try {
    for (const size of [100, 500]) {
      const batches = size === 100 ? scale(ctx, 50, 200) : scale(ctx, 16, 60);
      const row: FigureRow = {
        figure: `audit ingest, batches of ${size}`,
        unit: 'events/s',
        values: [],
        reference: [],
        referenceLabel: 'COPY same rows',
        better: 'higher',
        target: '≥ 0.8×',
        met: (_m, ratio) => ratio >= 0.8,
        notes: [],
      };
      const cost: FigureRow = {
        figure: `audit log's cost, batches of ${size}`,
        unit: 'events/s',
        values: [],
        reference: [],
        referenceLabel: 'same API, log off',
        better: 'higher',
        target: '≥ 0.9×',
        met: (_m, ratio) => ratio >= 0.9,
        notes: [],
      };
      for (let r = 0; r < ctx.runs; r++) {
        const on = await ingest(api, size, batches, `${ctx.tag}-i${size}-${r}`, t0);
        if (on.note) row.notes!.push(`run ${r}: ${on.note}`);
        row.values.push(on.perSec);
        cost.values.push(on.perSec);
        const payload = copyPayload(`${ctx.tag}-c${size}-${r}`, (batches * size) / 10, t0);
        row.reference.push((batches * size) / (await timeCopy(ctx, payload)));
        const off = await withAuditLogOff(ctx, () =>
          ingest(apiLogOff, size, batches, `${ctx.tag}-o${size}-${r}`, t0),
        );
        if (off.note) cost.notes!.push(`run ${r}, log off: ${off.note}`);
        cost.reference.push(off.perSec);
      }
      row.notes!.push(`${batches} batches × ${size} events per run, ${CONNECTIONS} concurrent clients`);
      cost.notes!.push(
        'log on: queued with the events, sequenced beside the API; off: neither (bench/audit-log-off.ts)',
      );
      rows.push(row, cost);
      ctx.log(
        `audit ingest ${size}: api ${row.values.map(Math.round).join(', ')} / copy ${row.reference.map(Math.round).join(', ')} / log off ${cost.reference.map(Math.round).join(', ')} events/s`,
      );
    }
  } finally {
    await api.close();
    await apiLogOff.close();
  }
  return rows;
}
