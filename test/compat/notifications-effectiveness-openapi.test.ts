/**
 * POST /api/v1/audit/notifications and GET /api/v1/effectiveness/{correlation_id}
 * against Kubernaut's Data Storage contract: requests built from its schemas
 * (NotificationAudit, EffectivenessAssessmentAuditPayload), answers validated against
 * its response schemas (NotificationAuditResponse, EffectivenessScoreResponse,
 * RFC7807Problem).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { auditApp, bearer } from '../integration/audit-api-fixtures.js';
import { auditPool, newCorrelation } from '../integration/audit-fixtures.js';
import { loadContract } from './kubernaut-openapi.js';
import { payloadGenerator } from './payload-generator.js';

const SEED = Number(process.env.KUBERNAUT_TRAIL_SEED ?? 20261130);

describe("Kubernaut's notification-audit and effectiveness contracts", async () => {
  const contract = loadContract();
  const pool = auditPool();
  const app = await auditApp(pool);
  const writer = createAuditWriter(pool);
  const gen = payloadGenerator(contract, SEED);
  const problem = contract.validator('RFC7807Problem');

  const record = (remediation: string): Record<string, unknown> => ({
    ...gen.instance('NotificationAudit'),
    remediation_id: remediation,
    notification_id: `notification-${randomUUID()}`,
  });
  const post = (body: unknown, who: Parameters<typeof bearer>[0] | null = 'service') =>
    app.inject({
      method: 'POST',
      url: '/api/v1/audit/notifications',
      payload: body as Record<string, unknown>,
      ...(who ? { headers: bearer(who) } : {}),
    });

  it('a record → 201 NotificationAuditResponse, kept in the remediation trail, its chain valid', async () => {
    const validate = contract.validator('NotificationAuditResponse');
    const rr = newCorrelation('nr');
    const body = record(rr);
    expect(contract.validator('NotificationAudit')(body)).toBe(true);
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(201);
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
    expect(res.json()).toMatchObject({ ...body, id: 1 });
    const events = await app.inject({
      method: 'GET',
      url: '/api/v1/audit/events',
      query: { correlation_id: rr },
      headers: bearer('reader'),
    });
    const [event] = events.json().data;
    expect(event).toMatchObject({
      event_type: `notification.message.${body.status}`,
      event_category: 'notification',
      correlation_id: rr,
      actor_id: 'system:serviceaccount:kubernaut:orchestrator',
      event_data: { notification_id: body.notification_id, channel: body.channel, recipient: body.recipient },
    });
    const chain = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/verify-chain',
      payload: { correlation_id: rr },
      headers: bearer('reader'),
    });
    expect(chain.json()).toMatchObject({ is_valid: true, total_events: 1 });
  });

  it('the same notification_id again → 409 problem, nothing stored twice', async () => {
    const rr = newCorrelation('nr');
    const body = record(rr);
    expect((await post(body)).statusCode).toBe(201);
    const again = await post({ ...body, status: 'failed' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(problem(again.json()), JSON.stringify(problem.errors)).toBe(true);
    expect(again.json()).toMatchObject({ type: 'https://kubernaut.ai/problems/conflict', status: 409 });
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE correlation_id = $1',
      [rr],
    );
    expect(rows[0].n).toBe(1);
  });

  it('bad records → 400 problems naming the fields; no identity → 401; a reader → 403', async () => {
    const rr = newCorrelation('nr');
    const { remediation_id: _, ...missing } = record(rr);
    for (const bad of [
      missing,
      { ...record(rr), channel: 'pigeon' },
      { ...record(rr), escalation_level: 9 },
      { ...record(rr), sent_at: 'yesterday' },
      { ...record(rr), message_summary: 'x'.repeat(1001) },
    ]) {
      const res = await post(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(problem(res.json()), JSON.stringify(problem.errors)).toBe(true);
    }
    expect((await post(missing)).json().field_errors).toHaveProperty('remediation_id');
    const unauth = await post(record(rr), null);
    expect(unauth.statusCode).toBe(401);
    expect(problem(unauth.json())).toBe(true);
    expect((await post(record(rr), 'reader')).statusCode).toBe(403);
  });

  /** Effectiveness events as Kubernaut's monitor writes them, with the story's fields set. */
  async function assess(rr: string, parts: Record<string, unknown>[]) {
    const events = parts.map((p, i) => {
      const data: Record<string, unknown> = {
        ...gen.instance('EffectivenessAssessmentAuditPayload'),
        correlation_id: rr,
        ...p,
      };
      expect(contract.validator('EffectivenessAssessmentAuditPayload')(data)).toBe(true);
      return {
        event_id: randomUUID(),
        version: '1.0',
        event_type: data.event_type as string,
        event_timestamp: new Date(Date.parse('2026-03-01T10:00:00Z') + i * 1000).toISOString(),
        event_category: 'effectiveness',
        event_action: 'assessed',
        event_outcome: 'success' as const,
        correlation_id: rr,
        event_data: data,
      };
    });
    await writer.write(events);
  }
  const score = async (rr: string) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/effectiveness/${encodeURIComponent(rr)}`,
      headers: bearer('reader'),
    });
    return { status: res.statusCode, body: res.json() };
  };
  const validScore = contract.validator('EffectivenessScoreResponse');

  it('health 1.0 and alert 0.5 assessed, metrics not → weights redistributed; partial; hashes compared', async () => {
    const rr = newCorrelation('ea');
    await assess(rr, [
      { event_type: 'effectiveness.assessment.scheduled', component: 'scheduled' },
      {
        event_type: 'effectiveness.health.assessed',
        component: 'health',
        assessed: true,
        score: 1,
        details: 'ok',
      },
      { event_type: 'effectiveness.alert.assessed', component: 'alert', assessed: true, score: 0.5 },
      { event_type: 'effectiveness.metrics.assessed', component: 'metrics', assessed: false, score: null },
      {
        event_type: 'effectiveness.hash.computed',
        component: 'hash',
        pre_remediation_spec_hash: 'sha256:aa',
        post_remediation_spec_hash: 'sha256:bb',
        hash_match: false,
      },
      { event_type: 'effectiveness.assessment.completed', component: 'completed', reason: 'partial' },
    ]);
    const { status, body } = await score(rr);
    expect(status).toBe(200);
    expect(validScore(body), JSON.stringify(validScore.errors)).toBe(true);
    expect(body.score).toBeCloseTo((0.4 * 1 + 0.35 * 0.5) / 0.75, 10);
    expect(body).toMatchObject({
      correlation_id: rr,
      assessment_status: 'Partial',
      components: { health_assessed: true, health_score: 1, health_details: 'ok', metrics_assessed: false },
      hash_comparison: { pre_remediation_spec_hash: 'sha256:aa', hash_match: false },
    });
  });

  it('all three assessed, not yet completed → in_progress with the full formula; a later event supersedes', async () => {
    const rr = newCorrelation('ea');
    await assess(rr, [
      { event_type: 'effectiveness.health.assessed', component: 'health', assessed: true, score: 0.2 },
      { event_type: 'effectiveness.health.assessed', component: 'health', assessed: true, score: 0.8 },
      { event_type: 'effectiveness.alert.assessed', component: 'alert', assessed: true, score: 1 },
      { event_type: 'effectiveness.metrics.assessed', component: 'metrics', assessed: true, score: 0.4 },
    ]);
    const { body } = await score(rr);
    expect(validScore(body), JSON.stringify(validScore.errors)).toBe(true);
    expect(body.assessment_status).toBe('in_progress');
    expect(body.score).toBeCloseTo(0.8 * 0.4 + 1 * 0.35 + 0.4 * 0.25, 10);
  });

  it('spec drift forces 0 and stays; only a schedule → no_data with a null score; none → 404 problem', async () => {
    const drift = newCorrelation('ea');
    await assess(drift, [
      { event_type: 'effectiveness.health.assessed', component: 'health', assessed: true, score: 1 },
      { event_type: 'effectiveness.assessment.completed', component: 'completed', reason: 'spec_drift' },
      { event_type: 'effectiveness.assessment.completed', component: 'completed', reason: 'full' },
    ]);
    const d = (await score(drift)).body;
    expect(validScore(d), JSON.stringify(validScore.errors)).toBe(true);
    expect(d).toMatchObject({ score: 0, assessment_status: 'SpecDrift' });

    const scheduled = newCorrelation('ea');
    await assess(scheduled, [{ event_type: 'effectiveness.assessment.scheduled', component: 'scheduled' }]);
    const s = (await score(scheduled)).body;
    expect(validScore(s), JSON.stringify(validScore.errors)).toBe(true);
    expect(s).toMatchObject({ score: null, assessment_status: 'no_data' });

    const none = await score(newCorrelation('never'));
    expect(none.status).toBe(404);
    expect(problem(none.body), JSON.stringify(problem.errors)).toBe(true);
    expect(none.body.type).toBe('https://kubernaut.ai/problems/effectiveness/not-found');
    const unauth = await app.inject({ method: 'GET', url: `/api/v1/effectiveness/${drift}` });
    expect(unauth.statusCode).toBe(401);
  });
});
