/**
 * `npm run bench [-- <name>…] [--quick] [--against URL --token T]`: starts what the
 * figures need (the embedded stack, or the services named by DATABASE_URL /
 * TEMPORAL_ADDRESS / KUBECONFIG), runs each figure with its reference in the same run,
 * prints the table and writes it as JSON to bench-results/<timestamp>.json. With
 * `--against`, the reference of the audit figures is the Data Storage at URL
 * (bench/against-*.ts). It measures; it never fails a build (a figure that misses its
 * target still exits 0; one that crashes is reported).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import pg from 'pg';
import { loadKubeConfig } from '../lib/kube/client.js';
import { installCrds } from '../lib/kube/install-crds.js';
import { migrate } from '../migrations/migrate.js';
import { startStack } from '../stack/index.js';
import { againstIngest, BATCH_SIZES } from './against-ingest.js';
import { againstLatency } from './against-latency.js';
import { describeOurs, type OtherSide, probeOtherSide } from './against-sides.js';
import { alertStorm } from './alert-storm.js';
import { parseBenchArgs } from './args.js';
import { auditIngest } from './audit-ingest.js';
import { auditIngestProfile } from './audit-ingest-profile.js';
import { auditLatency } from './audit-latency.js';
import { auditLatencyProfile } from './audit-latency-profile.js';
import type { BenchContext } from './context.js';
import { gatewaySignals } from './gateway.js';
import { gatewayProfile } from './gateway-profile.js';
import { parkedRemediations } from './parked.js';
import { reconstruction } from './reconstruction.js';
import { remediations } from './remediation.js';
import type { FigureRow } from './stats.js';
import { formatTable, type SummaryRow, summarise } from './table.js';
import { workerMemory } from './worker-memory.js';

const FIGURES: Record<string, (ctx: BenchContext) => Promise<FigureRow[]>> = {
  'audit-ingest': auditIngest,
  'audit-ingest-profile': auditIngestProfile,
  'audit-latency': auditLatency,
  'audit-latency-profile': auditLatencyProfile,
  gateway: gatewaySignals,
  'gateway-profile': gatewayProfile,
  'alert-storm': alertStorm,
  reconstruction,
  remediation: remediations,
  'worker-memory': workerMemory,
  parked: parkedRemediations,
};

/** `--against`: the audit figures with the other Data Storage as their reference. */
const AGAINST: Record<string, (ctx: BenchContext, other: OtherSide) => Promise<FigureRow[]>> = {
  'audit-ingest': againstIngest,
  'audit-latency': againstLatency,
};

const { quick, names, against } = parseBenchArgs(
  process.argv.slice(2),
  Object.keys(FIGURES),
  Object.keys(AGAINST),
);
const selected = names.length ? names : Object.keys(against ? AGAINST : FIGURES);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
/** What was compared with what, printed above the table (--against only). */
const sides: string[] = [];
const tag = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
// The other side is probed before anything starts: a refused token or body ends the run at once.
const other = against
  ? await probeOtherSide(against, BATCH_SIZES, tag).catch((err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    })
  : undefined;

const stack = await startStack({ log: (l) => log(`stack: ${l}`) });
const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 10 });
const summaries: SummaryRow[] = [];
const failures: { figure: string; error: string }[] = [];
try {
  await migrate(stack.migrationDatabaseUrl);
  await installCrds(loadKubeConfig(stack.kubeconfigPath));
  const ctx: BenchContext = {
    quick,
    runs: quick ? 3 : 5,
    databaseUrl: stack.databaseUrl,
    sequencerDatabaseUrl: stack.sequencerDatabaseUrl,
    migrationDatabaseUrl: stack.migrationDatabaseUrl,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: stack.temporalNamespace,
    kubeconfigPath: stack.kubeconfigPath,
    env: stack.env(),
    pool,
    tag,
    log,
  };
  if (other)
    sides.push(
      `ours:       kubernaut-temporal API in the bench process (audit log on), ${await describeOurs(ctx)}`,
      `other side: ${other.url} — ${other.identity}; its database is whatever it was started on`,
      'same bodies (Kubernaut-valid trail), same load generator and concurrency on both sides; ratio = ours ÷ other side',
    );
  const figure = (name: string) => (other ? AGAINST[name]!(ctx, other) : FIGURES[name]!(ctx));
  for (const name of selected) {
    const t0 = Date.now();
    log(`${name}: running${quick ? ' (quick)' : ''}`);
    try {
      const rows = await figure(name);
      summaries.push(...rows.map(summarise));
      log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      failures.push({ figure: name, error: (err as Error).stack ?? String(err) });
      log(`${name}: FAILED: ${(err as Error).message}`);
    }
  }
} finally {
  await pool.end();
  await stack.stop();
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`;
const table = formatTable(summaries);
const mode = `${quick ? ' --quick' : ''}${against ? ` --against ${against.url}` : ''}`;
const header = [`kubernaut-temporal bench${mode} on ${machine}`, ...sides].join('\n');
process.stdout.write(`\n${header}\n\n${table}\n`);
for (const f of failures) process.stdout.write(`\n${f.figure} FAILED: ${f.error.split('\n')[0]}\n`);
mkdirSync('bench-results', { recursive: true });
const file = `bench-results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), quick, against: against?.url, machine, sides, figures: summaries, failures, table }, null, 2)}\n`,
);
process.stdout.write(`\nwritten to ${file}\n`);
