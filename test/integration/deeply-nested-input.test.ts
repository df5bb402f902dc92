/**
 * Deeply nested JSON (DESIGN §12: hostile input gets a 4xx, never a 500). A body far
 * below the size limit can nest thousands of levels; parsing it is fine, but anything
 * that recurses on the parsed value afterwards (JSON.stringify overflows past about
 * 4,000 levels) used to answer 500. Every route refuses such a body with a 400
 * problem, stores nothing, and the server keeps answering.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_BODY_DEPTH } from '../../api/json-depth.js';
import {
  alertmanagerPayload,
  deploymentWithPods,
  gatewayApp,
  gatewayPool,
  listRRs,
  podAlert,
  post,
} from '../gateway/gateway-fixtures.js';
import { testNamespace, uniqueName } from '../harness/index.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';

/** Objects and arrays nested `depth` levels, as text: JSON.stringify cannot write them. */
const nested = (depth: number) => `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;
/** The JSON text of `payload` with its "DEEP" string replaced by `depth` levels of nesting. */
const withDeep = (payload: unknown, depth: number) =>
  JSON.stringify(payload).replace('"DEEP"', nested(depth));

describe('deeply nested request bodies', () => {
  const pool = gatewayPool();
  let app: Awaited<ReturnType<typeof gatewayApp>>;
  let controller: string;
  let workloads: string;
  let pod: string;
  beforeAll(async () => {
    [controller, workloads] = await Promise.all([testNamespace('deep-ctl'), testNamespace('deep-wl')]);
    // Limits well above the bodies sent, so that depth alone is what gets refused.
    app = await gatewayApp(pool, controller, { bodyLimit: 4 * 1024 * 1024 });
    [pod] = (await deploymentWithPods(workloads, uniqueName('web'), 1)) as [string];
  });

  const expectDepthProblem = (res: Awaited<ReturnType<typeof post>>) => {
    expect(res.statusCode, res.body.slice(0, 500)).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 400,
      type: 'https://kubernaut.ai/problems/validation-error',
      detail: expect.stringContaining(`deeper than ${MAX_JSON_BODY_DEPTH} levels`),
    });
  };
  const storedFor = async (correlationId: string) =>
    (
      await pool.query('SELECT count(*)::int AS n FROM audit_events WHERE correlation_id = $1', [
        correlationId,
      ])
    ).rows[0].n as number;

  describe.each([5_000, 100_000])('%i levels deep', (depth) => {
    it('an audit event whose event_data nests that deep is a 400 problem and is not stored', async () => {
      const cid = newCorrelation('deep');
      const body = withDeep(auditEvent(cid, { event_data: { nested: 'DEEP' } }), depth);
      expectDepthProblem(await post(app, '/api/v1/audit/events', undefined, { body }));
      expect(await storedFor(cid)).toBe(0);
    });

    it('a batch with one such event is a 400 problem and stores none of its events', async () => {
      const cid = newCorrelation('deep-batch');
      const batch = [auditEvent(cid), auditEvent(cid, { event_data: { nested: 'DEEP' } })];
      expectDepthProblem(
        await post(app, '/api/v1/audit/events/batch', undefined, { body: withDeep(batch, depth) }),
      );
      expect(await storedFor(cid)).toBe(0);
    });

    it('an Alertmanager webhook with a field nested that deep is a 400 problem and creates no RR', async () => {
      const before = (await listRRs(controller)).length;
      const alert = { ...podAlert(workloads, pod), extra: 'DEEP' };
      const body = withDeep(alertmanagerPayload([alert]), depth);
      expectDepthProblem(await post(app, '/api/v1/signals/prometheus', undefined, { body }));
      expect(await listRRs(controller)).toHaveLength(before);
    });

    it('a Kubernetes Event with a field nested that deep is a 400 problem and creates no RR', async () => {
      const before = (await listRRs(controller)).length;
      const event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${pod}.1`, namespace: workloads, uid: randomUUID() },
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
        involvedObject: { kind: 'Pod', name: pod, namespace: workloads, apiVersion: 'v1' },
        related: 'DEEP',
        count: 1,
      };
      const body = withDeep(event, depth);
      expectDepthProblem(await post(app, '/api/v1/signals/kubernetes-event', undefined, { body }));
      expect(await listRRs(controller)).toHaveLength(before);
    });
  });

  it('a 1 MB body of nothing but nested arrays is a 400 problem on every route that takes JSON', async () => {
    const body = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    for (const url of [
      '/api/v1/audit/events',
      '/api/v1/audit/events/batch',
      '/api/v1/audit/verify-chain',
      '/api/v1/audit/legal-hold',
      `/api/v1/audit/remediation-requests/${newCorrelation()}/reconstruct`,
      '/api/v1/signals/prometheus',
      '/api/v1/signals/kubernetes-event',
    ]) {
      const res = await post(app, url, undefined, { body });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(400);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });

  it('nesting as deep as real payloads get is accepted, and the server still answers after all of the above', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const cid = newCorrelation('shallow');
    // event_data 9 levels deep (its own limit is 10), the body around it 10.
    const body = withDeep(auditEvent(cid, { event_data: { nested: 'DEEP' } }), 8);
    const res = await post(app, '/api/v1/audit/events', undefined, { body });
    expect(res.statusCode, res.body).toBe(201);
    expect(await storedFor(cid)).toBe(1);
    const signal = await post(
      app,
      '/api/v1/signals/prometheus',
      alertmanagerPayload([podAlert(workloads, pod)]),
    );
    expect(signal.statusCode, signal.body).toBe(201);
  });
});
