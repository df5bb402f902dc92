import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { eventually } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';

describe('approval API', () => {
  const h = useRemediationHarness();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp({
      pool: h.pool,
      temporal: h.runtime.client,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [
          { token: 'approver-token', name: 'alice', roles: ['approver'], kind: 'user' },
          { token: 'reader-token', name: 'rita', roles: ['reader'], kind: 'user' },
        ],
      },
    });
  });
  afterAll(() => app?.close());

  const call = (method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
    app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });

  it('approve records the authenticated identity, not a claimed one, and the RAR says so', async () => {
    const rr = await h.awaitingApproval();
    const res = await call(
      'POST',
      `/api/v1/remediation-requests/${h.namespace}/${rr}/approve`,
      'approver-token',
      {
        reason: 'checked the graphs',
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().approval).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice',
      decisionMessage: 'checked the graphs',
    });
    const rar = await eventually('the RAR decision', async () => {
      const o = await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`);
      return o?.status?.decision ? o : undefined;
    });
    expect(rar.status).toMatchObject({ decision: 'Approved', decidedBy: 'alice' });
  });

  it('a second decision is a 409 problem saying why; a reader may not decide (403); unknown RR is 404', async () => {
    const rr = await h.awaitingApproval();
    expect(
      (await call('POST', `/api/v1/remediation-requests/${h.namespace}/${rr}/reject`, 'reader-token'))
        .statusCode,
    ).toBe(403);
    expect(
      (await call('POST', `/api/v1/remediation-requests/${h.namespace}/${rr}/reject`, 'approver-token'))
        .statusCode,
    ).toBe(200);
    const again = await call(
      'POST',
      `/api/v1/remediation-requests/${h.namespace}/${rr}/approve`,
      'approver-token',
    );
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().detail).toMatch(
      new RegExp(
        `remediation ${rr} (was already rejected|awaiting approval; it is (Failed|AwaitingApproval))`,
      ),
    );
    const missing = await call(
      'POST',
      `/api/v1/remediation-requests/${h.namespace}/rr-does-not-exist/approve`,
      'approver-token',
    );
    expect(missing.statusCode).toBe(404);
    const hostile = await call(
      'POST',
      `/api/v1/remediation-requests/${h.namespace}/..%2F..%2Fetc/approve`,
      'approver-token',
    );
    expect(hostile.statusCode).toBe(400);
  });

  it('GET returns the live view from the workflow query', async () => {
    const rr = await h.awaitingApproval();
    const res = await call('GET', `/api/v1/remediation-requests/${h.namespace}/${rr}`, 'reader-token');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: rr,
      phase: 'AwaitingApproval',
      approval: { required: true, requestName: `rar-${rr}` },
    });
  });
});
