/**
 * `npm run bench [-- <name>…] [--quick]`: starts what the figures need (the embedded
 * stack, or the services named by DATABASE_URL / TEMPORAL_ADDRESS / KUBECONFIG),
 * runs each figure with its reference in the same run, prints the table and writes
 * it as JSON to bench-results/<timestamp>.json. It measures; it never fails a build
 * (a figure that misses its target still exits 0; one that crashes is reported).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import pg from 'pg';
import { loadKubeConfig } from '../lib/kube/client.js';
import { installCrds } from '../lib/kube/install-crds.js';
import { migrate } from '../migrations/migrate.js';
import { startStack } from '../stack/index.js';
import { alertStorm } from './alert-storm.js';
import { auditIngest } from './audit-ingest.js';
import { auditLatency } from './audit-latency.js';
import type { BenchContext } from './context.js';
import { gatewaySignals } from './gateway.js';
import { reconstruction } from './reconstruction.js';
import { remediations } from './remediation.js';
import type { FigureRow } from './stats.js';
import { formatTable, type SummaryRow, summarise } from './table.js';
import { workerMemory } from './worker-memory.js';

const FIGURES: Record<string, (ctx: BenchContext) => Promise<FigureRow[]>> = {
  'audit-ingest': auditIngest,
  'audit-latency': auditLatency,
  gateway: gatewaySignals,
  'alert-storm': alertStorm,
  reconstruction,
  remediation: remediations,
  'worker-memory': workerMemory,
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !FIGURES[n]);
if (unknown.length) {
  process.stderr.write(
    `unknown figure(s): ${unknown.join(', ')}; known: ${Object.keys(FIGURES).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = names.length ? names : Object.keys(FIGURES);
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

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
    tag: `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
    log,
  };
  for (const name of selected) {
    const t0 = Date.now();
    log(`${name}: running${quick ? ' (quick)' : ''}`);
    try {
      const rows = await FIGURES[name]!(ctx);
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
process.stdout.write(`\nkubernaut-temporal bench${quick ? ' --quick' : ''} on ${machine}\n\n${table}\n`);
for (const f of failures) process.stdout.write(`\n${f.figure} FAILED: ${f.error.split('\n')[0]}\n`);
mkdirSync('bench-results', { recursive: true });
const file = `bench-results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), quick, machine, figures: summaries, failures, table }, null, 2)}\n`,
);
process.stdout.write(`\nwritten to ${file}\n`);
