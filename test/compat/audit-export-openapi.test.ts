/**
 * Issue 17 items 5 and 7 within Kubernaut's contract: the signed export with its
 * additive proof fields is an AuditExportResponse, a write of an id already stored
 * is still an AuditEventResponse / BatchAuditEventResponse, and the 409 for an id
 * stored with other content is an RFC7807Problem.
 */
import { describe, expect, it } from 'vitest';
import { auditApp, bearer } from '../integration/audit-api-fixtures.js';
import { auditEvent, newCorrelation } from '../integration/audit-fixtures.js';
import { freshAuditDatabase, testLog } from '../integration/audit-log-fixtures.js';
import { loadContract } from './kubernaut-openapi.js';

describe('signed export and idempotent writes within Kubernaut’s contract', async () => {
  const contract = loadContract();
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const app = await auditApp(pool, { auditLog: log });
  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers: bearer('service') });
  const cid = newCorrelation('compat-export');
  const events = [auditEvent(cid), auditEvent(cid)];
  expect((await post('/api/v1/audit/events/batch', events)).statusCode).toBe(201);

  it('GET /audit/export is an AuditExportResponse', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/audit/export?correlation_id=${cid}&include_detached_signature=true`,
      headers: bearer('reader'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().proofs).toHaveLength(2);
    const validate = contract.validator('AuditExportResponse');
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
  });

  it('"already stored" answers keep the write response shapes; a conflict is an RFC7807Problem', async () => {
    const one = await post('/api/v1/audit/events', events[0]);
    expect(one.json()).toMatchObject({ already_stored: true });
    const v1 = contract.validator('AuditEventResponse');
    expect(v1(one.json()), JSON.stringify(v1.errors)).toBe(true);
    const batch = await post('/api/v1/audit/events/batch', events);
    expect(batch.json().duplicate_event_ids).toHaveLength(2);
    const v2 = contract.validator('BatchAuditEventResponse');
    expect(v2(batch.json()), JSON.stringify(v2.errors)).toBe(true);
    const conflict = await post('/api/v1/audit/events', { ...events[0], event_action: 'other' });
    expect(conflict.statusCode).toBe(409);
    const v3 = contract.validator('RFC7807Problem');
    expect(v3(conflict.json()), JSON.stringify(v3.errors)).toBe(true);
  });
});
