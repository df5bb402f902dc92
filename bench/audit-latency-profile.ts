/**
 * Where a single write's time goes (issue 19: a missed target is explained with the
 * profile that shows it). The same load as audit-latency (50 clients, one event per
 * request, each the genesis of a fresh correlation), against the same API, whose pool
 * times every `audit_append` call in two parts — waiting for a PostgreSQL connection,
 * and the call's round trip — while the API's event loop delay is sampled. Each is
 * reported against the client's own p99 of the same run. Then the same load with the
 * audit log off (bench/audit-log-off.ts: the function without its queue insert, no
 * sequencer), against the log on, in the same run. And the CPU a write costs, split
 * between PostgreSQL and the API process (bench/cpu-split.ts). Last, the same load
 * with group commit off (every write its own batch), against it on.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { CONNECTIONS, singleWrites } from './audit-latency.js';
import { withAuditLogOff } from './audit-log-off.js';
import { type BenchContext, scale } from './context.js';
import { cpuSample, perOperation } from './cpu-split.js';
import { startApi } from './servers.js';
import { type FigureRow, percentile } from './stats.js';

const POOL_SIZE = 20; // startApi's, as in api/main.ts's default

/** A pool whose `audit-append` queries are timed: connection wait, round trip (ms). */
function timedPool(connectionString: string) {
  const pool = new pg.Pool({ connectionString, max: POOL_SIZE });
  const waits: number[] = [];
  const trips: number[] = [];
  const plain = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  const timed = async (...args: unknown[]) => {
    const named = (args[0] as { name?: string } | undefined)?.name;
    if (named !== 'audit-append' || typeof args[args.length - 1] === 'function') return plain(...args);
    const t0 = performance.now();
    const client = await pool.connect();
    const t1 = performance.now();
    try {
      return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      trips.push(performance.now() - t1);
      waits.push(t1 - t0);
      client.release();
    }
  };
  pool.query = timed as unknown as pg.Pool['query'];
  return { pool, waits, trips };
}

export async function auditLatencyProfile(ctx: BenchContext): Promise<FigureRow[]> {
  const t0 = Date.now() - 3_600_000;
  const amount = scale(ctx, 1_000, 10_000);
  const row = (figure: string, referenceLabel = 'client p99, same requests'): FigureRow => ({
    figure,
    unit: 'ms',
    values: [],
    reference: [],
    referenceLabel,
    better: 'lower',
    notes: [],
  });
  const wait = row('single write p99: waiting for a PostgreSQL connection');
  const trip = row('single write p99: audit_append round trip');
  const loop = row('single write p99: API event-loop delay');
  const off = row('single write p99, audit log off', 'audit log on, same run');
  const cpuRow = (figure: string): FigureRow => ({
    ...row(figure, 'the whole machine, per write'),
    unit: 'ms CPU',
  });
  const inPostgres = cpuRow('CPU per single write: PostgreSQL');
  const inApi = cpuRow('CPU per single write: the API process');
  const ungrouped = row('single write p99, group commit off', 'group commit on, same run');
  const ungroupedPg: FigureRow = {
    ...row('CPU per single write in PostgreSQL, group commit off', 'group commit on, same run'),
    unit: 'ms CPU',
  };
  const p50s: string[] = [];

  for (let r = 0; r < ctx.runs; r++) {
    const timed = timedPool(ctx.databaseUrl);
    const api = await startApi(ctx, undefined, { pool: timed.pool });
    const delay = monitorEventLoopDelay({ resolution: 1 });
    let on: Awaited<ReturnType<typeof singleWrites>>;
    try {
      delay.enable();
      const before = cpuSample();
      on = await singleWrites(api, amount, `${ctx.tag}-pon-${r}`, t0);
      const cpu = perOperation(before, cpuSample(), on.ok);
      delay.disable();
      inPostgres.values.push(cpu.postgres);
      inApi.values.push(cpu.self);
      inPostgres.reference.push(cpu.machine);
      inApi.reference.push(cpu.machine);
    } finally {
      await api.close();
    }
    wait.values.push(percentile(timed.waits, 99));
    trip.values.push(percentile(timed.trips, 99));
    loop.values.push(delay.percentile(99) / 1e6);
    for (const f of [wait, trip, loop]) f.reference.push(on.latencyP99);
    p50s.push(
      `run ${r}: client p50 ${on.latencyP50} ms; connection wait p50 ${percentile(timed.waits, 50).toFixed(1)} ms; round trip p50 ${percentile(timed.trips, 50).toFixed(1)} ms; ${timed.trips.length} calls`,
    );

    const without = await withAuditLogOff(ctx, async () => {
      const plain = await startApi(ctx, undefined, { auditLog: false });
      try {
        return await singleWrites(plain, amount, `${ctx.tag}-poff-${r}`, t0);
      } finally {
        await plain.close();
      }
    });
    off.values.push(without.latencyP99);
    off.reference.push(on.latencyP99);

    const alone = await startApi(ctx, undefined, { groupCommitInFlight: 0 });
    try {
      const before = cpuSample();
      const each = await singleWrites(alone, amount, `${ctx.tag}-pgc-${r}`, t0);
      ungrouped.values.push(each.latencyP99);
      ungrouped.reference.push(on.latencyP99);
      ungroupedPg.values.push(perOperation(before, cpuSample(), each.ok).postgres);
      ungroupedPg.reference.push(inPostgres.values[r]!);
    } finally {
      await alone.close();
    }
  }
  wait.notes!.push(
    `${CONNECTIONS} clients on a pool of ${POOL_SIZE}: at most ${POOL_SIZE} writes are in PostgreSQL at once`,
    ...p50s,
  );
  trip.notes!.push('from the connection in hand to the answer: the function, its commit, and the loopback');
  loop.notes!.push(
    'how late the API process runs what is ready: its own CPU share on a machine shared with PostgreSQL and the client',
  );
  off.notes!.push('the function without its queue insert (migration 0012), and no sequencer');
  inPostgres.notes!.push(
    'every postgres process, from /proc; the machine: /proc/stat without idle and iowait',
  );
  inApi.notes!.push(
    'the bench process, which runs the API (and the audit log sequencer); the rest of the machine is mostly the load generator',
  );
  ungrouped.notes!.push(
    'AUDIT_GROUP_COMMIT_IN_FLIGHT=0: each write its own audit_append call, as before group commit',
  );
  return [wait, trip, loop, off, inPostgres, inApi, ungrouped, ungroupedPg];
}
