/**
 * GET /api/v1/remediation-history/context answers in Kubernaut's shapes: the
 * history of a target (our trails and a Kubernaut-written one, both tiers filled)
 * validates against its RemediationHistoryContext schema, and a bad request's
 * problem against RFC7807Problem.
 */
import { describe, expect, it } from 'vitest';
import { auditApp, bearer } from '../integration/audit-api-fixtures.js';
import { auditPool } from '../integration/audit-fixtures.js';
import { historyUrl, writeHistoryTrails } from '../integration/history-fixtures.js';
import { loadContract } from './kubernaut-openapi.js';

describe("remediation history under Kubernaut's OpenAPI", async () => {
  const pool = auditPool();
  const app = await auditApp(pool);
  const contract = loadContract();
  const trails = await writeHistoryTrails(pool);
  const validate = contract.validator('RemediationHistoryContext');

  it('the validator really checks: a context without tiers or with a bad hashMatch fails', () => {
    expect(validate({ targetResource: 'a/B/c', currentSpecHash: 'x', regressionDetected: false })).toBe(
      false,
    );
    const entry = { remediationUID: 'u', completedAt: new Date().toISOString(), hashMatch: 'maybe' };
    const tiers = { tier1: { window: '24h', chain: [entry] }, tier2: { window: '2160h', chain: [] } };
    expect(
      validate({ targetResource: 'a/B/c', currentSpecHash: 'x', regressionDetected: false, ...tiers }),
    ).toBe(false);
  });

  it('a history with both tiers filled, nulls included, is valid', async () => {
    const res = await app.inject({
      method: 'GET',
      url: historyUrl(trails, 'bbb1'),
      headers: bearer('reader'),
    });
    const body = res.json();
    expect(res.statusCode).toBe(200);
    expect(body.tier1.chain).toHaveLength(2);
    expect(body.tier2.chain).toHaveLength(1);
    expect(body.tier1.chain[0].effectivenessScore).toBeNull();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a request without targetKind is an RFC 7807 problem', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/remediation-history/context?targetName=web&targetNamespace=x&currentSpecHash=y',
      headers: bearer('reader'),
    });
    expect(res.statusCode).toBe(400);
    const problem = contract.validator('RFC7807Problem');
    expect(problem(res.json()), JSON.stringify(problem.errors)).toBe(true);
  });
});
