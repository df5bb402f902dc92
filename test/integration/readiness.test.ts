/**
 * /readyz tells an operator which dependency is down: PostgreSQL, Temporal and the
 * kube-apiserver are each checked and reported on their own, and the answer is a 503
 * problem naming the failed one.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../api/config.js';
import { loadGatewayConfig } from '../../api/gateway-config.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { stackInfo } from '../harness/index.js';

/** A kubeconfig for an apiserver that is not there. */
function deadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'x' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'nobody' }],
    currentContext: 'gone',
  });
  return kc;
}

describe('readiness, one check per dependency', () => {
  let pool: pg.Pool;
  let connection: Connection;
  let temporal: Client;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 2 });
    connection = await Connection.connect({ address: stackInfo().temporalAddress });
    temporal = new Client({ connection, namespace: stackInfo().temporalNamespace });
  });
  afterAll(async () => {
    await connection?.close();
    await pool?.end();
  });
  const app = (kubeConfig: KubeConfig) =>
    buildApp({
      pool,
      config: loadConfig(),
      temporal,
      gateway: { kubeConfig, config: loadGatewayConfig() },
      logger: false,
    });

  it('all answer: 200 with postgres, temporal and kubernetes each ok', async () => {
    const api = await app(loadKubeConfig(stackInfo().kubeconfigPath));
    const res = await api.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    const { checks } = res.json();
    expect(Object.keys(checks).sort()).toEqual(['kubernetes', 'postgres', 'temporal']);
    for (const c of Object.values(checks)) expect(c).toMatchObject({ status: 'ok' });
    await api.close();
  });

  it('the kube-apiserver is gone: 503 naming kubernetes, the others still ok', async () => {
    const api = await app(deadKubeConfig());
    const res = await api.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.json();
    expect(body.detail).toMatch(/^kubernetes: /);
    expect(body.checks.kubernetes).toMatchObject({ status: 'failed', error: expect.any(String) });
    expect(body.checks.postgres).toMatchObject({ status: 'ok' });
    expect(body.checks.temporal).toMatchObject({ status: 'ok' });
    await api.close();
  });
});
