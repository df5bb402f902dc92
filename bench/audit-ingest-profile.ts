/**
 * Where audit ingest's CPU goes (issue 19: a missed target is explained with the
 * profile that shows it). The loads of `audit-ingest` — batches of 100 and 500 through
 * the API (audit log on), and a COPY of rows of the same shape — each with the CPU it
 * costs per 1,000 events, split between the bench process (the API; for the COPY, its
 * client), PostgreSQL (/proc, over the load) and the load generator (its own count over
 * its timed part); and how many cores the load kept busy (all of that CPU per second
 * of the load). A load that keeps both cores busy is bounded by its CPU per event: the
 * ratio of the two CPUs then bounds the `audit-ingest` ratio on this machine; a load
 * that does not is bounded by something else (a lock, a round trip, one thread).
 */
import { copyPayload, ensurePartitions, ingest, timeCopy } from './audit-ingest.js';
import { type BenchContext, scale } from './context.js';
import { cpuSample, perOperation } from './cpu-split.js';
import { startApi } from './servers.js';
import type { FigureRow } from './stats.js';

const row = (figure: string, unit: string, referenceLabel: string, notes: string[] = []): FigureRow => ({
  figure,
  unit,
  values: [],
  reference: [],
  referenceLabel,
  better: 'lower',
  notes,
});

export async function auditIngestProfile(ctx: BenchContext): Promise<FigureRow[]> {
  const t0 = Date.now() - 3_600_000;
  await ensurePartitions(ctx, t0);
  const api = await startApi(ctx);
  const rows: FigureRow[] = [];
  try {
    for (const size of [100, 500]) {
      const batches = size === 100 ? scale(ctx, 50, 200) : scale(ctx, 16, 60);
      const events = batches * size;
      const per = `per 1,000 events, batches of ${size}`;
      const all = row(`audit ingest CPU, all of it, ${per}`, 'ms CPU', 'COPY, all of it', [
        `${batches} batches × ${size} events per run through the API (4 clients), and a COPY of as many rows (one connection)`,
      ]);
      const inApi = row(`audit ingest CPU, the API process, ${per}`, 'ms CPU', 'COPY, its client');
      const inPg = row(`audit ingest CPU, PostgreSQL, ${per}`, 'ms CPU', 'COPY, PostgreSQL');
      const inClient = row(`audit ingest CPU, the load generator, ${per}`, 'ms CPU', 'COPY: none');
      const busy = row(`audit ingest, cores kept busy, batches of ${size}`, 'cores', 'COPY', [
        'CPU of all the parts per second of the load; 2 is all of this machine',
      ]);
      for (let r = 0; r < ctx.runs; r++) {
        const before = cpuSample();
        const on = await ingest(api, size, batches, `${ctx.tag}-ip${size}-${r}`, t0);
        const cpu = perOperation(before, cpuSample(), events / 1000);
        const client = on.load.clientCpuMs / (events / 1000);
        const apiAll = cpu.self + cpu.postgres + client;
        const payload = copyPayload(`${ctx.tag}-cp${size}-${r}`, events / 10, t0);
        const c0 = cpuSample();
        const seconds = await timeCopy(ctx, payload);
        const copy = perOperation(c0, cpuSample(), events / 1000);
        const copyAll = copy.self + copy.postgres;
        inApi.values.push(cpu.self);
        inApi.reference.push(copy.self);
        inPg.values.push(cpu.postgres);
        inPg.reference.push(copy.postgres);
        inClient.values.push(client);
        inClient.reference.push(0);
        all.values.push(apiAll);
        all.reference.push(copyAll);
        busy.values.push((apiAll * (events / 1000)) / 1000 / on.load.durationSec);
        busy.reference.push((copyAll * (events / 1000)) / 1000 / seconds);
        all.notes!.push(
          `run ${r}: ${on.perSec.toFixed(0)} events/s through the API, ${(events / seconds).toFixed(0)} rows/s by COPY (${(on.perSec / (events / seconds)).toFixed(2)}×)${on.note ? `; ${on.note}` : ''}`,
        );
      }
      rows.push(all, inApi, inPg, inClient, busy);
    }
  } finally {
    await api.close();
  }
  return rows;
}
