/**
 * docs/runbooks/audit-store.md, tried on the API (the worker's writes go through the
 * same instrumented writer): its PostgreSQL connections go through a proxy that
 * first holds every packet 600 ms (a slow store: each write takes over a second,
 * what KubernautAuditWritesSlow fires on) and then refuses (writes fail with 503,
 * what KubernautAuditWriteFailures fires on). In both, the runbook's first
 * diagnostic, `curl -s <api>:8080/readyz`, shows it in its postgres check.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { createPool } from '../../lib/db.js';
import { stackInfo } from '../harness/index.js';
import { curl, grep, sampleValue } from '../harness/operator.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../harness/tcp-proxy.js';
import { auditEvent, newCorrelation } from '../integration/audit-fixtures.js';

const TOKEN = 'runbook-audit-writer-0123456789';

interface Check {
  status: string;
  ms: number;
  error?: string;
}

describe('runbook: audit store write failures or slow writes', () => {
  let proxy: TcpProxy;
  let pool: pg.Pool;
  let app: FastifyInstance;
  let url = '';
  beforeAll(async () => {
    const db = new URL(stackInfo().databaseUrl);
    proxy = await startTcpProxy(db.hostname, Number(db.port));
    pool = createPool(throughProxy(stackInfo().databaseUrl, proxy), { max: 4, log: () => {} });
    app = await buildApp({
      pool,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [{ token: TOKEN, name: 'orchestrator', roles: ['writer'], kind: 'service' }],
      },
    });
    url = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await proxy?.close();
  });

  const write = () =>
    fetch(`${url}/api/v1/audit/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(auditEvent(newCorrelation())),
    });
  const metrics = async () => grep((await curl(`${url}/metrics`)).body, 'kubernaut_audit_write_');
  const readyz = async () => {
    const r = await curl(`${url}/readyz`);
    return {
      status: r.status,
      postgres: (JSON.parse(r.body) as { checks: Record<string, Check> }).checks.postgres!,
    };
  };

  it('slow PostgreSQL → writes take over a second; curl /readyz shows the postgres check taking its time', async () => {
    expect((await write()).status).toBe(201);
    const before = await metrics();

    proxy.delayMs = 600;
    try {
      for (let i = 0; i < 2; i++) expect((await write()).status).toBe(201);
      const after = await metrics();
      const delta = (series: string) => sampleValue(after, series) - sampleValue(before, series);
      expect(delta('kubernaut_audit_write_duration_seconds_count')).toBe(2);
      // None within a second: the 99th percentile is above 1 s.
      expect(delta('kubernaut_audit_write_duration_seconds_bucket{le="1"}')).toBe(0);
      expect(delta('kubernaut_audit_write_failures_total')).toBe(0);

      const r = await readyz();
      expect(r.status).toBe(200);
      // SELECT 1 crosses the delay both ways: it answers, in no less than 1.2 s.
      expect(r.postgres).toMatchObject({ status: 'ok' });
      expect(r.postgres.ms).toBeGreaterThanOrEqual(1_200);
    } finally {
      proxy.delayMs = 0;
    }
  });

  it('PostgreSQL unreachable → writes fail (503, counted); curl /readyz answers 503 naming postgres', async () => {
    const before = await metrics();
    proxy.refuse();
    try {
      for (let i = 0; i < 3; i++) expect((await write()).status).toBe(503);
      const after = await metrics();
      const delta = (series: string) => sampleValue(after, series) - sampleValue(before, series);
      // Every write failed: the failure ratio the alert computes is 100 % (> 5 %).
      expect(delta('kubernaut_audit_write_failures_total')).toBe(3);
      expect(delta('kubernaut_audit_write_duration_seconds_count')).toBe(3);

      const r = await readyz();
      expect(r.status).toBe(503);
      expect(r.postgres).toMatchObject({ status: 'failed', error: expect.any(String) });
    } finally {
      proxy.accept();
    }
    // The runbook's action: once PostgreSQL answers, retried writes go through.
    expect((await write()).status).toBe(201);
  });
});
