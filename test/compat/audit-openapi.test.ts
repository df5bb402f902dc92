/**
 * Compatibility with Kubernaut's Data Storage audit API: requests built from its
 * OpenAPI's AuditEventRequest (one per event type of its payload mapping) are
 * accepted, and our answers validate against its response schemas.
 */
import { describe, expect, it } from 'vitest';
import { auditApp, bearer } from '../integration/audit-api-fixtures.js';
import { auditPool, newCorrelation } from '../integration/audit-fixtures.js';
import { loadContract } from './kubernaut-openapi.js';

const CATEGORY_BY_SERVICE: Record<string, string> = {
  gateway: 'gateway',
  orchestrator: 'orchestration',
  remediation: 'orchestration',
  signalprocessing: 'signalprocessing',
  aianalysis: 'analysis',
  workflowexecution: 'workflowexecution',
  notification: 'notification',
  workflow: 'workflow',
  effectiveness: 'effectiveness',
  actiontype: 'actiontype',
  apifrontend: 'apifrontend',
  aiagent: 'aiagent',
};

describe("Kubernaut's audit OpenAPI contract", async () => {
  const contract = loadContract();
  const pool = auditPool();
  const app = await auditApp(pool);
  const schemas = contract.doc.components.schemas;
  const correlation = newCorrelation('compat');

  /** A valid AuditEventRequest for `eventType`, built from the OpenAPI schemas. */
  function request(eventType: string) {
    const envelope = contract.sample(schemas.AuditEventRequest!) as Record<string, unknown>;
    const payload = contract.sample(schemas[contract.payloadMapping[eventType]!]!) as Record<string, unknown>;
    return {
      ...envelope,
      event_type: eventType,
      event_category: CATEGORY_BY_SERVICE[eventType.split('.')[0]!] ?? 'orchestration',
      event_timestamp: new Date().toISOString(),
      correlation_id: correlation,
      event_data: { ...payload, event_type: eventType },
    };
  }

  const eventTypes = Object.keys(contract.payloadMapping);
  const requests = eventTypes.map(request);

  it('the generated requests are valid AuditEventRequests by the contract itself', () => {
    const validate = contract.validator('AuditEventRequest');
    // The validator really checks: an envelope without its required fields fails.
    expect(validate({ version: '1.0' })).toBe(false);
    const isValid = (r: unknown): boolean => validate(r);
    const invalid = requests
      .filter((r) => !isValid(r))
      .map((r) => `${r.event_type}: ${JSON.stringify(validate.errors)}`);
    expect(invalid).toEqual([]);
    expect(requests.length).toBeGreaterThan(40);
  });

  it('POST /audit/events accepts one of each and answers an AuditEventResponse', async () => {
    const validate = contract.validator('AuditEventResponse');
    for (const r of requests.slice(0, 10)) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/events',
        payload: r,
        headers: bearer('service'),
      });
      expect(res.statusCode, `${r.event_type}: ${res.body}`).toBe(201);
      expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('POST /audit/events/batch accepts every event type at once and answers a BatchAuditEventResponse', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events/batch',
      payload: requests.slice(10),
      headers: bearer('service'),
    });
    expect(res.statusCode, res.body).toBe(201);
    const validate = contract.validator('BatchAuditEventResponse');
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
    expect(res.json().event_ids).toHaveLength(requests.length - 10);
  });

  it('GET /audit/events answers an AuditEventsQueryResponse', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/audit/events',
      query: { correlation_id: correlation, limit: '1000' },
      headers: bearer('reader'),
    });
    expect(res.statusCode).toBe(200);
    const validate = contract.validator('AuditEventsQueryResponse');
    expect(validate(res.json()), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(res.json().data).toHaveLength(requests.length);
  });

  it('POST /audit/verify-chain answers a VerifyChainResponse, valid for the events written', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/verify-chain',
      payload: { correlation_id: correlation },
      headers: bearer('reader'),
    });
    const validate = contract.validator('VerifyChainResponse');
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
    expect(res.json()).toMatchObject({ is_valid: true, total_events: requests.length });
  });

  it('errors are RFC7807Problems', async () => {
    const validate = contract.validator('RFC7807Problem');
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events',
      payload: { ...requests[0], event_category: 'nope' },
      headers: bearer('service'),
    });
    expect(bad.statusCode).toBe(400);
    expect(validate(bad.json()), JSON.stringify(validate.errors)).toBe(true);
    const unauth = await app.inject({ method: 'POST', url: '/api/v1/audit/events', payload: requests[0] });
    expect(unauth.statusCode).toBe(401);
    expect(validate(unauth.json()), JSON.stringify(validate.errors)).toBe(true);
  });
});
