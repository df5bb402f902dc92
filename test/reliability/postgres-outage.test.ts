/**
 * PostgreSQL outage (DESIGN §12): a private PostgreSQL (not the shared one other
 * files use) goes away for OUTAGE_MS while remediations run on a worker process
 * pointed at it. The API's /readyz says 503 while it is down and 200 after; the
 * workflows' audit writes retry until it returns, and afterwards every audit row is
 * there exactly once with a valid chain, and every remediation completes.
 * 60 s is longer than the activities' retry backoff cap (30 s), so each write is
 * retried several times and the last retry lands after the database is back.
 *
 * The test supervises the worker as Kubernetes would (a worker that exits is started
 * again), and asserts it never has to: this suite found that an unhandled pg.Pool
 * 'error' (an idle connection terminated by the server) killed the worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeObjects } from '../../activities/kube-objects.js';
import { buildApp } from '../../api/app.js';
import { verifyChain } from '../../lib/audit/verify.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { migrate } from '../../migrations/migrate.js';
import { type StartedPostgres, startPostgres } from '../../stack/postgres.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment } from '../harness/remediation.js';
import { reportFigures } from './report.js';

const OUTAGE_MS = 60_000;
const RRS = 8;

describe('PostgreSQL unavailable while remediations run', () => {
  const s = stackInfo();
  const objects = new KubeObjects(loadKubeConfig(s.kubeconfigPath));
  let postgres: StartedPostgres;
  let pool: pg.Pool;
  let app: FastifyInstance;
  let worker: ChildProcess | undefined;
  let output = '';
  let namespace: string;
  let workerEnv: NodeJS.ProcessEnv;
  let supervising = true;
  let workerExits = 0;

  /** Starts the worker process; restarts it whenever it exits while supervised. */
  async function startWorker() {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/worker-on-queue.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, ...workerEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker = child;
    let mine = '';
    const onData = (d: Buffer) => {
      mine += d;
      output = (output + d).slice(-20_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => {
      if (!supervising) return;
      workerExits++;
      if (workerExits > 50) return; // bounded: a worker that cannot start fails the test below
      void startWorker().catch(() => {});
    });
    await eventually(
      'the worker to run',
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}`);
        return mine.includes('[worker] running');
      },
      90_000,
    );
  }

  beforeAll(async () => {
    namespace = await testNamespace('pg-outage');
    postgres = await startPostgres(() => {});
    await migrate(postgres.migrationUrl);
    pool = new pg.Pool({ connectionString: postgres.url, max: 4, connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {}); // idle clients lose their server in the outage
    app = await buildApp({ pool, config: { tokens: [], maxBatchSize: 10, bodyLimit: 1024 * 1024 } });
    workerEnv = {
      DATABASE_URL: postgres.url,
      DATABASE_MIGRATION_URL: postgres.migrationUrl,
      DATABASE_SEQUENCER_URL: postgres.sequencerUrl,
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_NAMESPACE: s.temporalNamespace,
      KUBECONFIG: s.kubeconfigPath,
      KUBERNAUT_WATCH_NAMESPACE: namespace,
      KUBERNAUT_TEST_TASK_QUEUE: uniqueName('pg-outage'),
    };
    await startWorker();
  });
  afterAll(async () => {
    supervising = false;
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGKILL');
      await exited;
    }
    await app?.close();
    await pool?.end();
    await postgres?.stop();
  });

  const readyz = async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode;
  const phase = async (rr: string) =>
    (await objects.get('remediationrequests', namespace, rr))?.status?.overallPhase as string | undefined;
  const child = (plural: string, name: string) =>
    eventually(`${plural} ${name}`, () => objects.get(plural, namespace, name), 150_000, 200);

  it(`${OUTAGE_MS / 1000} s outage: readyz 503 then 200; every remediation completes with each audit row once`, async () => {
    expect(await readyz()).toBe(200);
    const rrs: string[] = [];
    for (let i = 0; i < RRS; i++) {
      const name = uniqueName('rr');
      await objects.create(
        'remediationrequests',
        namespace,
        sampleRemediationRequest(namespace, name, uniqueName('web')) as never,
      );
      rrs.push(name);
    }
    await Promise.all(rrs.map((rr) => child('signalprocessings', `sp-${rr}`)));

    await postgres.pause();
    const outageEnds = Date.now() + OUTAGE_MS;
    try {
      await eventually('readyz to report 503', async () => (await readyz()) === 503, 10_000, 200);
      // Progress the children while the database is gone: the workflows must carry on
      // from these once their audit writes get through.
      for (const rr of rrs)
        await objects.mergeStatus('signalprocessings', namespace, `sp-${rr}`, completedEnrichment);
      expect(await readyz()).toBe(503);
    } finally {
      await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
      await postgres.resume();
    }
    await eventually('readyz to report 200', async () => (await readyz()) === 200, 15_000, 200);

    await Promise.all(
      rrs.map(async (rr) => {
        await child('aianalyses', `ai-${rr}`);
        await objects.mergeStatus('aianalyses', namespace, `ai-${rr}`, completedAnalysis(false));
        await child('workflowexecutions', `we-${rr}`);
        await objects.mergeStatus('workflowexecutions', namespace, `we-${rr}`, { phase: 'Completed' });
        await child('effectivenessassessments', `ea-${rr}`);
        await objects.mergeStatus('effectivenessassessments', namespace, `ea-${rr}`, {
          phase: 'Completed',
          assessmentReason: 'Full',
        });
        await eventually(`${rr} to complete`, async () => (await phase(rr)) === 'Completed', 90_000, 500);
      }),
    );

    // The worker rides out the outage (its pool logs lost connections, lib/db.ts);
    // the supervisor above would restart it, but it must not need to.
    expect(workerExits, 'times the worker process died during the outage').toBe(0);
    // The RR shows Completed a moment before the workflow's last audit write lands.
    await eventually(
      'every lifecycle.completed audit row',
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          "SELECT count(DISTINCT correlation_id)::int AS n FROM audit_events WHERE event_type = 'orchestrator.lifecycle.completed' AND correlation_id = ANY($1)",
          [rrs],
        );
        return rows[0]!.n === rrs.length;
      },
      60_000,
      250,
    );
    for (const rr of rrs) {
      const { rows } = await pool.query<{ event_type: string; event_id: string; event_data: unknown }>(
        'SELECT event_type, event_id::text, event_data FROM audit_events WHERE correlation_id = $1',
        [rr],
      );
      const types = rows.map((r) => r.event_type);
      for (const t of [
        'orchestrator.lifecycle.started',
        'orchestrator.lifecycle.created',
        'orchestrator.lifecycle.completed',
      ])
        expect(
          types.filter((x) => x === t),
          `${t} of ${rr}: ${types.join(', ')}`,
        ).toHaveLength(1);
      const transitions = rows.filter((r) => r.event_type === 'orchestrator.lifecycle.transitioned');
      const shown = JSON.stringify(transitions.map((r) => r.event_data));
      expect(transitions.length, shown).toBeGreaterThanOrEqual(3);
      expect(
        new Set(transitions.map((r) => JSON.stringify(r.event_data))).size,
        `duplicate transitions: ${shown}`,
      ).toBe(transitions.length);
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
      const chain = await verifyChain(pool, rr);
      expect(chain.is_valid, chain.message).toBe(true);
    }
    reportFigures('postgres-outage', {
      outageSeconds: OUTAGE_MS / 1000,
      remediations: rrs.length,
      completed: rrs.length,
      duplicateAuditRows: 0,
      workerExits,
    });
  }, 600_000);
});
