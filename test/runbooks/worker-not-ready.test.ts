/**
 * docs/runbooks/worker-not-ready.md, tried: a worker whose PostgreSQL becomes
 * unreachable (its connections go through a proxy that starts refusing) is not
 * ready — kubernaut_worker_ready{check="all"} 0, what KubernautWorkerNotReady fires
 * on — and the runbook's first diagnostic, `curl -s <worker>:8081/readyz`, names the
 * failed dependency. Its action holds too: once PostgreSQL answers again the worker
 * is ready without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, stackInfo } from '../harness/index.js';
import { curl, grep, sampleValue, useWorkerProbePort } from '../harness/operator.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../harness/tcp-proxy.js';

describe('runbook: worker not ready', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const db = new URL(stackInfo().databaseUrl);
    proxy = await startTcpProxy(db.hostname, Number(db.port));
  });
  afterAll(() => proxy?.close());
  const h = useRemediationHarness({}, { databaseUrl: () => throughProxy(stackInfo().databaseUrl, proxy) });
  const probe = useWorkerProbePort(() => h.runtime.readiness());
  const readyGauge = async () => grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_worker_ready{');

  it('PostgreSQL unreachable → not ready; curl /readyz names postgres; ready again once it answers', async () => {
    expect((await curl(`${probe.url}/readyz`)).status).toBe(200);

    proxy.refuse();
    // What the alert fires on (after 5 minutes of it).
    const gauge = await readyGauge();
    expect(sampleValue(gauge, 'kubernaut_worker_ready{check="all"}')).toBe(0);
    expect(sampleValue(gauge, 'kubernaut_worker_ready{check="postgres"}')).toBe(0);

    const readyz = await curl(`${probe.url}/readyz`);
    expect(readyz.status).toBe(503);
    const body = JSON.parse(readyz.body) as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    expect(body.status).toBe('not-ready');
    expect(body.checks.postgres).toMatchObject({ status: 'failed', error: expect.any(String) });
    for (const ok of ['temporal', 'kubernetes', 'worker'])
      expect(body.checks[ok], ok).toMatchObject({ status: 'ok' });

    proxy.accept();
    await eventually(
      'the worker ready again without a restart',
      async () => (await curl(`${probe.url}/readyz`)).status === 200,
    );
    expect(sampleValue(await readyGauge(), 'kubernaut_worker_ready{check="all"}')).toBe(1);
  });
});
