/**
 * The audit log's additive fields keep Kubernaut's response shapes: write answers
 * with `checkpoint` and verify-chain answers with the log fields still validate
 * against its AuditEventResponse, BatchAuditEventResponse and VerifyChainResponse.
 */
import { describe, expect, it } from 'vitest';
import { auditApp, bearer } from '../integration/audit-api-fixtures.js';
import { auditEvent, newCorrelation } from '../integration/audit-fixtures.js';
import { freshAuditDatabase, testLog } from '../integration/audit-log-fixtures.js';
import { loadContract } from './kubernaut-openapi.js';

describe("the audit log's fields within Kubernaut's contract", async () => {
  const contract = loadContract();
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const app = await auditApp(pool, { auditLog: log });
  const cid = newCorrelation('compat-log');
  await app.inject({
    method: 'POST',
    url: '/api/v1/audit/events/batch',
    payload: [auditEvent(cid), auditEvent(cid)],
    headers: bearer('service'),
  });
  await log.runOnce();

  it('write answers with a checkpoint are AuditEventResponse / BatchAuditEventResponse', async () => {
    const one = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events',
      payload: auditEvent(cid),
      headers: bearer('service'),
    });
    expect(one.json().checkpoint).toBeDefined();
    const v1 = contract.validator('AuditEventResponse');
    expect(v1(one.json()), JSON.stringify(v1.errors)).toBe(true);
    const batch = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events/batch',
      payload: [auditEvent(cid)],
      headers: bearer('service'),
    });
    expect(batch.json().checkpoint).toBeDefined();
    const v2 = contract.validator('BatchAuditEventResponse');
    expect(v2(batch.json()), JSON.stringify(v2.errors)).toBe(true);
  });

  it('verify-chain with log fields is a VerifyChainResponse', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/verify-chain',
      payload: { correlation_id: cid },
      headers: bearer('reader'),
    });
    expect(res.json()).toMatchObject({ is_valid: true, log_consistent: true });
    const validate = contract.validator('VerifyChainResponse');
    expect(validate(res.json()), JSON.stringify(validate.errors)).toBe(true);
  });
});
