import { beforeAll, describe, expect, it } from 'vitest';
import { signalFingerprint } from '../../lib/gateway/fingerprint.js';
import { testNamespace, uniqueName } from '../harness/index.js';
import {
  alertmanagerPayload,
  auditRows,
  deploymentWithPods,
  gatewayApp,
  gatewayPool,
  getRR,
  listRRs,
  podAlert,
  post,
  READER,
} from './gateway-fixtures.js';

const URL = '/api/v1/signals/prometheus';

describe('signal routes: batches and bad input', async () => {
  const pool = gatewayPool();
  let workloads: string;
  let controller: string;
  let app: Awaited<ReturnType<typeof gatewayApp>>;
  let pods: string[];
  let otherPods: string[];
  beforeAll(async () => {
    [workloads, controller] = await Promise.all([testNamespace('gw-input'), testNamespace('gw-input-ctl')]);
    app = await gatewayApp(pool, controller, {
      bodyLimit: 64 * 1024,
      maxAlerts: 20,
      maxSignalBytes: 8 * 1024,
    });
    [pods, otherPods] = await Promise.all([
      deploymentWithPods(workloads, uniqueName('cart'), 2),
      deploymentWithPods(workloads, uniqueName('shop'), 1),
    ]);
  });

  const expectProblem = (res: Awaited<ReturnType<typeof post>>, status: number) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status,
      type: expect.stringContaining('https://kubernaut.ai/problems/'),
    });
    return res.json();
  };

  it('answers a batch with mixed outcomes with 207, a result per alert and a summary', async () => {
    const res = await post(
      app,
      URL,
      alertmanagerPayload([
        podAlert(workloads, pods[0]!),
        podAlert(workloads, pods[1]!),
        podAlert(workloads, otherPods[0]!, { status: 'resolved' }),
        { ...podAlert(workloads, 'x'), labels: { alertname: 'NoTarget', severity: 'info' } },
        podAlert(workloads, otherPods[0]!, { startsAt: new Date(Date.now() + 3_600_000).toISOString() }),
        podAlert(workloads, 'Bad_Name/../../etc'),
      ]),
    );
    expect(res.statusCode, res.body).toBe(207);
    const { results, summary } = res.json();
    expect(summary).toEqual({ created: 1, deduplicated: 1, rejected: 4 });
    expect(results.map((r: { outcome: string; reason?: string }) => r.reason ?? r.outcome)).toEqual([
      expect.stringMatching(/created|deduplicated/),
      expect.stringMatching(/created|deduplicated/),
      'resolved',
      'no-target',
      'firing-time-in-future',
      'invalid-target',
    ]);
    expect(results.map((r: { index: number }) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of results.filter((x: { outcome: string }) => x.outcome === 'rejected')) {
      expect(r.message).toEqual(expect.any(String));
    }
  });

  it('writes gateway.signal.received and gateway.crd.created exactly once per created RR, spec as stored', async () => {
    for (const rr of await listRRs(controller)) {
      const rows = await auditRows(pool, rr.metadata.name);
      const received = rows.filter((r) => r.event_type === 'gateway.signal.received');
      expect(received).toHaveLength(1);
      expect(rows.filter((r) => r.event_type === 'gateway.crd.created')).toHaveLength(1);
      expect(received[0].event_data.spec).toEqual((await getRR(controller, rr.metadata.name)).spec);
    }
  });

  it.each([
    ['no body', undefined],
    ['an array', []],
    ['no alerts', { version: '4' }],
    ['an empty alerts list', alertmanagerPayload([])],
    [
      'an alert without alertname',
      alertmanagerPayload([{ labels: { pod: 'p' }, startsAt: new Date().toISOString() }]),
    ],
    [
      'a startsAt that is not a time',
      alertmanagerPayload([{ labels: { alertname: 'A' }, startsAt: 'yesterday' }]),
    ],
    [
      'a label value that is an object',
      alertmanagerPayload([
        { labels: { alertname: 'A', pod: { $ne: 1 } }, startsAt: new Date().toISOString() },
      ]),
    ],
    ['more alerts than allowed', alertmanagerPayload(Array.from({ length: 21 }, () => podAlert('ns', 'p')))],
  ])('refuses a payload with %s: 400 problem', async (_what, payload) => {
    const problem = expectProblem(await post(app, URL, payload), 400);
    expect(problem.title).toMatch(/Bad Request|Validation/);
  });

  it('refuses malformed JSON with 400', async () => {
    expectProblem(await post(app, URL, undefined, { body: '{"alerts": [' }), 400);
  });

  it('refuses prototype-poisoning keys with 400', async () => {
    expectProblem(
      await post(app, URL, undefined, { body: '{"__proto__": {"admin": true}, "alerts": []}' }),
      400,
    );
  });

  it('refuses NUL characters (which PostgreSQL cannot store) with 400 and creates nothing', async () => {
    const before = (await listRRs(controller)).length;
    const alert = podAlert(workloads, pods[0]!, { alertname: 'Nul\u0000Alert' });
    expectProblem(await post(app, URL, alertmanagerPayload([alert])), 400);
    expect(await listRRs(controller)).toHaveLength(before);
  });

  it('refuses a body over the configured limit with 413', async () => {
    const huge = podAlert(workloads, pods[0]!, { labels: { blob: 'x'.repeat(80 * 1024) } });
    expectProblem(await post(app, URL, alertmanagerPayload([huge])), 413);
  });

  it('rejects one alert over the per-alert size limit without failing its batch', async () => {
    const big = podAlert(workloads, pods[0]!, { labels: { blob: 'x'.repeat(10 * 1024) } });
    const res = await post(app, URL, alertmanagerPayload([big, podAlert(workloads, pods[1]!)]));
    expect(res.statusCode).toBe(207);
    expect(res.json().results[0]).toMatchObject({ outcome: 'rejected', reason: 'too-large' });
    expect(res.json().results[1].outcome).toBe('deduplicated');
  });

  it('refuses a content type other than JSON with 415', async () => {
    const body = JSON.stringify(alertmanagerPayload([podAlert(workloads, pods[0]!)]));
    expectProblem(await post(app, URL, undefined, { body, headers: { 'content-type': 'text/plain' } }), 415);
    expectProblem(
      await post(app, URL, undefined, {
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
  });

  it('refuses callers without a token (401) and readers (403)', async () => {
    const payload = alertmanagerPayload([podAlert(workloads, pods[0]!)]);
    expectProblem(await post(app, URL, payload, { headers: { authorization: '' } }), 401);
    expectProblem(await post(app, URL, payload, { headers: { authorization: `Bearer ${READER}` } }), 403);
  });

  it('rejects a severity the RR schema cannot hold instead of failing', async () => {
    const res = await post(
      app,
      URL,
      alertmanagerPayload([podAlert(workloads, pods[0]!, { severity: 's'.repeat(51) })]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0]).toMatchObject({ outcome: 'rejected', reason: 'invalid-signal' });
  });

  it('uses the alert cluster label to scope the fingerprint', async () => {
    const res = await post(
      app,
      URL,
      alertmanagerPayload([podAlert(workloads, otherPods[0]!)], { cluster: 'eu-west' }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const rr = await getRR(controller, res.json().results[0].remediationRequest.name);
    expect(rr.spec.clusterID).toBe('eu-west');
    expect(rr.spec.signalFingerprint).toBe(signalFingerprint(rr.spec.targetResource, 'eu-west'));
  });
});
