/**
 * A shadow week and its report (docs/policies.md "Shadow report"). Three real shadow
 * remediations run now on the embedded stack (the third, on the first one's target,
 * is a later signal that contradicts the first); the rest of the week goes in through
 * the real audit API with explicit timestamps spread over seven days — decisions the
 * orchestrator would have written, and a person's action recorded by a user. The
 * report, through GET /api/v1/shadow-report, counts per workflow what would have acted
 * and what was contradicted; bad query parameters answer RFC 7807 400s.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { StaticToken } from '../../api/auth/static-tokens.js';
import type { ShadowReport, WorkflowShadowStats } from '../../lib/audit/shadow-report.js';
import { createPolicy } from '../harness/policies.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

const TOKENS = {
  orchestrator: 'svc-shadow-0123456789',
  alice: 'alice-shadow-0123456789',
  rita: 'rita-0123456789',
};
const tokens: StaticToken[] = [
  {
    token: TOKENS.orchestrator,
    name: 'system:serviceaccount:kubernaut:orchestrator',
    roles: ['writer'],
    kind: 'service',
  },
  { token: TOKENS.alice, name: 'alice', roles: ['writer'], kind: 'user' },
  { token: TOKENS.rita, name: 'rita', roles: ['reader'], kind: 'user' },
];
const DAY = 86_400_000;
const MIN = 60_000;

describe('shadow report: a simulated week', () => {
  const h = useRemediationHarness();
  let app: FastifyInstance;
  const t0 = Date.now();
  beforeAll(async () => {
    app = await buildApp({ pool: h.pool, config: { tokens, maxBatchSize: 10, bodyLimit: 1024 * 1024 } });
    await createPolicy(h.namespace, 'week-in-shadow', {
      targetNamespaces: [h.namespace],
      mode: { default: 'Shadow' },
    });
  });
  afterAll(async () => app?.close());

  const target = (name: string) => `${h.namespace}/Deployment/${name}`;
  const post = async (token: string, event: Record<string, unknown>) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events',
      headers: { authorization: `Bearer ${token}` },
      payload: {
        version: '1.0',
        event_category: 'orchestration',
        event_outcome: 'success',
        namespace: h.namespace,
        ...event,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  /** A decision as the orchestrator writes it, on a day of the week. */
  const decision = (rr: string, at: number, d: Record<string, unknown>) =>
    post(TOKENS.orchestrator, {
      event_type: 'orchestrator.shadow.decided',
      event_action: 'decided',
      event_timestamp: new Date(at).toISOString(),
      correlation_id: rr,
      resource_type: 'RemediationRequest',
      resource_id: rr,
      event_data: {
        workflow_id: 'scale-up',
        target_namespace: h.namespace,
        would_require_approval: false,
        routing: { verdict: 'proceed' },
        budget: { verdict: 'available' },
        ...d,
      },
    });
  const report = async (query: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/shadow-report?${query}`,
      headers: { authorization: `Bearer ${TOKENS.rita}` },
    });
    return { status: res.statusCode, type: res.headers['content-type'], body: res.json() };
  };
  const of = (r: ShadowReport, wf: string) => r.workflows.find((w) => w.workflowId === wf);

  async function shadowOf(name: string) {
    const rr = await h.createRR({ target: name });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
    const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut']);
    expect(done.status?.message).toMatch(/^Shadow: /);
    return rr;
  }

  it('counts per workflow what would have acted and what a later signal or a person contradicted', async () => {
    // Today, for real: web-a, web-b, then web-a again (the problem is back).
    await shadowOf('web-a');
    await shadowOf('web-b');
    await shadowOf('web-a');

    // The rest of the week, as the trail would hold it.
    await decision('rr-day1', t0 - 6 * DAY, { target: target('api') });
    await post(TOKENS.alice, {
      event_type: 'operator.deployment.scaled',
      event_action: 'scaled',
      event_timestamp: new Date(t0 - 6 * DAY + 20 * MIN).toISOString(),
      correlation_id: 'manual-scale-api',
      event_data: { target: target('api'), replicas: 6 },
    });
    await decision('rr-day3', t0 - 4 * DAY, {
      target: target('api-2'),
      routing: { verdict: 'blocked', reason: 'ResourceBusy' },
    });
    await decision('rr-day5', t0 - 2 * DAY, { target: target('api'), would_require_approval: true });
    await post(TOKENS.orchestrator, {
      event_type: 'orchestrator.lifecycle.started',
      event_action: 'started',
      event_timestamp: new Date(t0 - 2 * DAY + 3 * 60 * MIN).toISOString(),
      correlation_id: 'rr-day5-later',
      event_data: { target: target('api') },
    });
    // Outside the scope: not counted (the audit API takes nothing older than 7 days).
    await decision('rr-elsewhere', t0 - DAY, {
      target: 'elsewhere/Deployment/api',
      target_namespace: 'elsewhere',
    });

    const week = await report(`scope=${h.namespace}&since=7d`);
    expect(week.status).toBe(200);
    expect(week.body.workflows.map((w: WorkflowShadowStats) => w.workflowId)).toEqual([
      'restart-deployment',
      'scale-up',
    ]);
    expect(of(week.body, 'restart-deployment')).toEqual({
      workflowId: 'restart-deployment',
      decisions: 3,
      wouldAct: 3,
      wouldRequireApproval: 0,
      wouldWait: 0,
      contradicted: 1,
      contradictedBySignal: 1,
      contradictedByPerson: 0,
      open: 2,
    });
    expect(of(week.body, 'scale-up')).toEqual({
      workflowId: 'scale-up',
      decisions: 3,
      wouldAct: 2,
      wouldRequireApproval: 1,
      wouldWait: 1,
      contradicted: 1,
      contradictedBySignal: 0,
      contradictedByPerson: 1,
      open: 0,
    });

    // A wider window: the remediation three hours after day 5's decision contradicts it too.
    const wide = await report(`scope=${h.namespace}&since=7d&window=4h`);
    expect(of(wide.body, 'scale-up')).toMatchObject({ contradicted: 2, contradictedBySignal: 1 });
    // The last three days hold day 5 only; no scope reaches the other namespace's decision too.
    const three = await report(`scope=${h.namespace}&since=3d`);
    expect(of(three.body, 'scale-up')).toMatchObject({
      decisions: 1,
      wouldRequireApproval: 1,
      contradicted: 0,
    });
    const all = await report('since=7d');
    expect(all.body.scope).toBeNull();
    expect(of(all.body, 'scale-up')!.decisions).toBeGreaterThanOrEqual(4);
  });

  it('answers RFC 7807 400s for bad parameters, 401 without a token', async () => {
    for (const [query, field] of [
      ['since=last-week', 'since'],
      ['since=1d&until=7d', 'since'],
      ['window=forever', 'window'],
      ['until=yesterday', 'until'],
    ]) {
      const r = await report(query!);
      expect(r.status, query).toBe(400);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(Object.keys(r.body.field_errors ?? {})).toEqual([field]);
    }
    const long = await report(`scope=${'x'.repeat(64)}`);
    expect(long.status).toBe(400);
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/shadow-report' });
    expect(anonymous.statusCode).toBe(401);
  });
});
