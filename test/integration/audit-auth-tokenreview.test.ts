import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { tokenReviewAuthenticator } from '../../api/auth/token-review.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { stackInfo } from '../harness/index.js';
import { auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

describe('Kubernetes TokenReview authentication', async () => {
  const pool = auditPool();
  const users = stackInfo().kubeUsers;
  const alice = users.find((u) => u.name === 'alice')!;
  const bob = users.find((u) => u.name === 'bob')!;
  const app = await buildApp({
    pool,
    config: {
      tokens: [],
      bodyLimit: 1024 * 1024,
      maxBatchSize: 10,
      authenticators: [
        tokenReviewAuthenticator(loadKubeConfig(stackInfo().kubeconfigPath), {
          roleBindings: { 'kubernaut:approvers': ['writer', 'approver'], 'kubernaut:viewers': ['reader'] },
        }),
      ],
    },
  });
  afterAll(() => app.close());

  const write = (token: string, correlation: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/audit/events',
      payload: auditEvent(correlation, { actor_id: 'someone-else' }),
      headers: { authorization: `Bearer ${token}` },
    });

  it('a token the API server vouches for writes as its user, with roles from its groups', async () => {
    const cid = newCorrelation();
    const res = await write(alice.token, cid);
    expect(res.statusCode).toBe(201);
    const { rows } = await pool.query('SELECT actor_id FROM audit_events WHERE correlation_id = $1', [cid]);
    expect(rows[0].actor_id).toBe('alice');
  });

  it('a known user without the role is 403, an unknown token 401', async () => {
    expect((await write(bob.token, newCorrelation())).statusCode).toBe(403);
    expect((await write('not-a-kubernetes-token', newCorrelation())).statusCode).toBe(401);
    const read = await app.inject({
      method: 'GET',
      url: '/api/v1/audit/events?limit=1',
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(read.statusCode).toBe(200);
  });

  it('with accessReview, RBAC decides: a ClusterRole bound to the user grants exactly the roles it covers', async () => {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const name = `kubernaut-audit-writer-${newCorrelation().slice(-8)}`;
    await rbac.createClusterRole({
      body: {
        metadata: { name },
        rules: [{ apiGroups: ['kubernaut.ai'], resources: ['auditevents'], verbs: ['get', 'create'] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
      },
    });
    try {
      const sarApp = await buildApp({
        pool,
        config: {
          tokens: [],
          bodyLimit: 1024 * 1024,
          maxBatchSize: 10,
          authenticators: [tokenReviewAuthenticator(kc, { roleBindings: {}, accessReview: true })],
        },
      });
      try {
        const as = (token: string, url: string, method: 'GET' | 'POST', payload?: object) =>
          sarApp.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
        // bob: reader + writer through RBAC, not admin (legal hold needs admin).
        expect(
          (await as(bob.token, '/api/v1/audit/events', 'POST', auditEvent(newCorrelation()))).statusCode,
        ).toBe(201);
        const hold = await as(bob.token, '/api/v1/audit/legal-hold', 'POST', {
          correlation_id: newCorrelation(),
          reason: 'x',
        });
        expect(hold.statusCode).toBe(403);
        // alice has no RBAC grant at all (her group binding is not configured here).
        expect((await as(alice.token, '/api/v1/audit/events?limit=1', 'GET')).statusCode).toBe(403);
      } finally {
        await sarApp.close();
      }
    } finally {
      await rbac.deleteClusterRoleBinding({ name });
      await rbac.deleteClusterRole({ name });
    }
  });
});
