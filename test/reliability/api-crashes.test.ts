/**
 * API crashes (DESIGN §12): the API process (as the image runs it: api/main.ts
 * bundled by `npm run build`, dist/api/main.js; gateway on) is SIGKILLed
 * at seeded random moments while audit batches and gateway signals are in flight;
 * clients retry until answered. No audit event is lost or duplicated (client-chosen
 * event ids make a retried write a no-op), the chain stays valid, and no
 * RemediationRequest is created twice.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 as prng } from '../../bench/stats.js';
import { verifyChain } from '../../lib/audit/verify.js';
import { freePort } from '../../stack/processes.js';
import { alertmanagerPayload, deploymentWithPods, listRRs, podAlert } from '../gateway/gateway-fixtures.js';
import { databaseEnv, eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { auditEvent } from '../integration/audit-fixtures.js';
import { reportFigures } from './report.js';

const TOKEN = 'api-crash-writer-token-0123456789';
const BATCHES = 40;
const PER_BATCH = 10;
const SIGNALS = 10;
const KILLS = 5;
const SEED = 7_2026;

describe('the API process SIGKILLed while writes are in flight', () => {
  const s = stackInfo();
  const random = prng(SEED);
  const pool = new pg.Pool({ connectionString: s.databaseUrl, max: 4 });
  let api: ChildProcess | undefined;
  let output = '';
  let base: string;
  let env: NodeJS.ProcessEnv;
  let controller: string;
  let workloads: string;

  async function startApi() {
    const child = spawn(process.execPath, ['dist/api/main.js'], {
      cwd: new URL('../..', import.meta.url).pathname,
      // No TEMPORAL_ADDRESS: the approval routes are not part of this test.
      env: { ...process.env, TEMPORAL_ADDRESS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api = child;
    child.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
    child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
    await eventually(
      'the API to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`API exited ${child.exitCode}: ${output.slice(-2000)}`);
        return (await fetch(`${base}/healthz`)).ok;
      },
      60_000,
      100,
    );
  }
  async function killApi() {
    const child = api;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: new URL('../..', import.meta.url).pathname, stdio: 'pipe' });
    [controller, workloads] = await Promise.all([
      testNamespace('api-crash-ctl'),
      testNamespace('api-crash-wl'),
    ]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...databaseEnv(s),
      KUBECONFIG: s.kubeconfigPath,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      API_TOKENS: `${TOKEN}:alertmanager:writer,reader:service`,
      KUBERNAUT_CONTROLLER_NAMESPACE: controller,
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await killApi();
    await pool.end();
  });

  /** POSTs until the API answers (bounded); network errors and 5xx from a dying API are retried. */
  async function postRetrying(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    let last: unknown;
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status < 500) return { status: res.status, body: await res.json() };
        last = `HTTP ${res.status}: ${await res.text()}`;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no answer from ${path}: ${String(last)}`);
  }

  it(`${BATCHES}×${PER_BATCH} audit events and ${SIGNALS} signals through ${KILLS} kills: each stored once, each RR created once`, async () => {
    const targets = await Promise.all(
      Array.from(
        { length: SIGNALS },
        async () => (await deploymentWithPods(workloads, uniqueName('web'), 1))[0]!,
      ),
    );
    await startApi();
    const correlation = uniqueName('api-crash');
    const batches = Array.from({ length: BATCHES }, () =>
      Array.from({ length: PER_BATCH }, () => auditEvent(correlation, { event_id: randomUUID() })),
    );

    let done = false;
    const clients = (async () => {
      const answers = await Promise.all([
        ...batches.map(async (b, i) => {
          await new Promise((r) => setTimeout(r, i * 150));
          return postRetrying('/api/v1/audit/events/batch', b);
        }),
        ...targets.map(async (pod, i) => {
          await new Promise((r) => setTimeout(r, i * 400));
          return postRetrying('/api/v1/signals/prometheus', alertmanagerPayload([podAlert(workloads, pod)]));
        }),
      ]);
      done = true;
      return answers;
    })();

    let kills = 0;
    try {
      while (kills < KILLS && !done) {
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random() * 800)));
        await killApi();
        kills++;
        await startApi();
      }
    } finally {
      // The clients stop on their own (bounded retries); make sure the API is up for them.
      if (!api || api.exitCode !== null || api.signalCode !== null) await startApi();
    }
    const answers = await clients;
    expect(kills, output).toBeGreaterThanOrEqual(1);
    for (const a of answers.slice(0, BATCHES)) expect(a.status, JSON.stringify(a.body)).toBe(201);
    for (const a of answers.slice(BATCHES)) expect([201, 202], JSON.stringify(a.body)).toContain(a.status);

    const { rows } = await pool.query<{ event_id: string }>(
      'SELECT event_id::text FROM audit_events WHERE correlation_id = $1',
      [correlation],
    );
    const sent = new Set(batches.flat().map((e) => e.event_id));
    expect(rows).toHaveLength(sent.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(sent);
    const chain = await verifyChain(pool, correlation);
    expect(chain.is_valid, chain.message).toBe(true);

    const rrs = await listRRs(controller);
    expect(rrs).toHaveLength(SIGNALS);
    const byTarget = new Map<string, number>();
    for (const rr of rrs) {
      const key = JSON.stringify(rr.spec.targetResource);
      byTarget.set(key, (byTarget.get(key) ?? 0) + 1);
      const { rows: created } = await pool.query(
        `SELECT 1 FROM audit_events WHERE correlation_id = $1 AND event_type = 'gateway.crd.created'`,
        [rr.metadata.name],
      );
      expect(created, `gateway.crd.created of ${rr.metadata.name}`).toHaveLength(1);
    }
    expect([...byTarget.values()].every((n) => n === 1)).toBe(true);
    reportFigures('api-crashes', {
      sigkills: kills,
      auditEvents: sent.size,
      lost: 0,
      duplicated: 0,
      signals: SIGNALS,
      rrsCreatedTwice: 0,
    });
  }, 240_000);
});
