/**
 * Reconstruction latency with 10⁶ rows in audit_events (10⁵ ten-event trails;
 * --quick: 10⁵ / 10⁴). The rows are loaded with COPY in chunks, chain hashes
 * computed by lib/audit's helpers (verify-chain accepts them; checked on a sample),
 * and the load time is reported. Then, per run, random correlations are rebuilt
 * one at a time (reconstructRemediationRequest: query → parse → map → build →
 * validate → YAML) and, as the reference, the same correlation's rows are read
 * with one indexed SELECT. The order alternates so neither always gets a warm cache.
 */
import { verifyChain } from '../lib/audit/verify.js';
import { reconstructRemediationRequest } from '../lib/reconstruct/index.js';
import { copyPayload, ensurePartitions, timeCopy } from './audit-ingest.js';
import { type BenchContext, scale } from './context.js';
import { type FigureRow, mulberry32, percentile, seedOf } from './stats.js';

const CHUNK_TRAILS = 5_000; // 50,000 rows per COPY: bounded memory, few round trips

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function reconstruction(ctx: BenchContext): Promise<FigureRow[]> {
  const trails = scale(ctx, 10_000, 100_000);
  const samples = scale(ctx, 100, 500);
  const t0 = Date.now() - 7_200_000;
  await ensurePartitions(ctx, t0);
  const tag = `${ctx.tag}-rc`;

  const loadStart = Date.now();
  for (let c = 0; c < trails; c += CHUNK_TRAILS) {
    // Each chunk gets its own tag so correlation ids stay unique: `${tag}-${c}-${n}`.
    await timeCopy(ctx, copyPayload(`${tag}-${c}`, Math.min(CHUNK_TRAILS, trails - c), t0));
  }
  await ctx.pool.query('ANALYZE audit_events');
  const loadSec = (Date.now() - loadStart) / 1000;
  const { rows } = await ctx.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_events');
  ctx.log(`reconstruction: loaded ${trails * 10} rows in ${loadSec.toFixed(1)} s; table has ${rows[0]!.n}`);

  const idOf = (i: number) => `${tag}-${Math.floor(i / CHUNK_TRAILS) * CHUNK_TRAILS}-${i % CHUNK_TRAILS}`;
  const check = await verifyChain(ctx.pool, idOf(0));
  if (!check.is_valid) throw new Error(`generated chain does not verify: ${check.message}`);
  const sample = await reconstructRemediationRequest(ctx.pool, idOf(0));

  const base = { unit: 'ms', referenceLabel: 'indexed SELECT', better: 'lower' as const };
  const p50: FigureRow = {
    ...base,
    figure: `reconstruction p50 (${(trails * 10).toExponential(0)} rows)`,
    values: [],
    reference: [],
    notes: [
      `loaded ${trails * 10} rows (${trails} correlations) by COPY in ${loadSec.toFixed(1)} s (${Math.round((trails * 10) / loadSec)} rows/s, hashes included); table holds ${rows[0]!.n} rows`,
      `${samples} correlations per run, one at a time; sample verify-chain valid, completeness ${sample.validation.completeness}%`,
    ],
  };
  const p99: FigureRow = {
    ...base,
    figure: `reconstruction p99 (${(trails * 10).toExponential(0)} rows)`,
    values: [],
    reference: [],
    target: 'p99 ≤ 10 ms',
    met: (m) => m <= 10,
  };
  const rand = mulberry32(seedOf(tag));
  for (let r = 0; r < ctx.runs; r++) {
    const rec: number[] = [];
    const sel: number[] = [];
    for (let s = 0; s < samples; s++) {
      const id = idOf(Math.floor(rand() * trails));
      const select = () =>
        timed(() =>
          ctx.pool.query('SELECT * FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position', [
            id,
          ]),
        );
      const rebuild = () => timed(() => reconstructRemediationRequest(ctx.pool, id));
      if (s % 2) {
        sel.push(await select());
        rec.push(await rebuild());
      } else {
        rec.push(await rebuild());
        sel.push(await select());
      }
    }
    p50.values.push(percentile(rec, 50));
    p50.reference.push(percentile(sel, 50));
    p99.values.push(percentile(rec, 99));
    p99.reference.push(percentile(sel, 99));
  }
  return [p50, p99];
}
