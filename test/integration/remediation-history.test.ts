/**
 * GET /api/v1/remediation-history/context on trails written to the audit store:
 * what was tried on a target, in order, with outcome, effect and hash comparison;
 * Kubernaut-written trails count; the regression tier fills only when the current
 * spec equals an old pre-remediation spec; bad input is a 400 problem; readers only.
 */
import { describe, expect, it } from 'vitest';
import { auditApp, bearer } from './audit-api-fixtures.js';
import { auditPool } from './audit-fixtures.js';
import { historyUrl, writeHistoryTrails } from './history-fixtures.js';

describe('remediation history of a target', async () => {
  const pool = auditPool();
  const app = await auditApp(pool);
  const trails = await writeHistoryTrails(pool);
  const get = async (url: string, who: Parameters<typeof bearer>[0] = 'reader') => {
    const res = await app.inject({ method: 'GET', url, headers: bearer(who) });
    return { status: res.statusCode, type: res.headers['content-type'], body: res.json() };
  };

  it('lists the finished remediations of the last 24 h, oldest first, with outcome, effect and hashes', async () => {
    const { status, body } = await get(historyUrl(trails, 'bbb1'));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      targetResource: trails.target,
      currentSpecHash: 'bbb1',
      regressionDetected: true,
    });
    expect(body.tier1.window).toBe('24h');
    expect(body.tier1.chain).toEqual([
      expect.objectContaining({
        remediationUID: trails.failed,
        signalType: 'KubePodCrashLooping',
        workflowId: 'restart-crashlooping-workload',
        actionType: 'restart',
        outcome: 'Failed',
        signalResolved: false,
        effectivenessScore: null,
      }),
      expect.objectContaining({
        remediationUID: trails.succeeded,
        outcome: 'Success',
        signalResolved: true,
        effectivenessScore: 1, // the weighted score of its assessment's components
        assessmentReason: 'Full',
        preRemediationSpecHash: 'aaa0',
        postRemediationSpecHash: 'bbb1',
        hashMatch: 'postRemediation',
      }),
    ]);
    expect(body.tier1.chain[0]).not.toHaveProperty('assessmentReason'); // no assessment yet
    expect(Date.parse(body.tier1.chain[0].completedAt)).toBeLessThan(
      Date.parse(body.tier1.chain[1].completedAt),
    );
  });

  it("counts Kubernaut's trail in the regression tier when the current spec is one it remediated before", async () => {
    const { body } = await get(historyUrl(trails, 'sha256:bbb1'));
    expect(body.tier2).toEqual({
      window: '2160h',
      chain: [
        expect.objectContaining({
          remediationUID: trails.kubernaut,
          actionType: 'RestartPod',
          signalType: 'alert',
          outcome: 'Success',
          effectivenessScore: 0.4,
          assessmentReason: 'Full',
          signalResolved: false,
          hashMatch: 'preRemediation',
        }),
      ],
    });
  });

  it('leaves the regression tier empty when nothing old matches, and honours the windows', async () => {
    const { body } = await get(historyUrl(trails, 'cafe', '&tier1Window=2h&tier2Window=72h'));
    expect(body.regressionDetected).toBe(false);
    expect(body.tier1).toEqual({
      window: '2h',
      chain: [expect.objectContaining({ remediationUID: trails.succeeded, hashMatch: 'none' })],
    });
    expect(body.tier2).toEqual({ window: '72h', chain: [] });
  });

  it('answers an unknown target with empty chains', async () => {
    const { status, body } = await get(historyUrl({ ...trails, namespace: 'nowhere' }, 'x'));
    expect(status).toBe(200);
    expect(body.tier1.chain).toEqual([]);
    expect(body.regressionDetected).toBe(false);
  });

  it('bad input is a 400 problem; no token is 401', async () => {
    const missing = await get(
      '/api/v1/remediation-history/context?targetName=web&targetNamespace=x&currentSpecHash=y',
    );
    expect(missing.status).toBe(400);
    expect(missing.type).toContain('application/problem+json');
    expect(missing.body.detail).toContain('targetKind');
    const window = await get(historyUrl(trails, 'x', '&tier1Window=1day'));
    expect(window).toMatchObject({
      status: 400,
      body: { type: expect.stringContaining('remediation-history/invalid-parameter') },
    });
    expect(window.body.field_errors).toHaveProperty('tier1Window');
    const shorter = await get(historyUrl(trails, 'x', '&tier1Window=48h&tier2Window=24h'));
    expect(shorter.status).toBe(400);
    const anonymous = await app.inject({ method: 'GET', url: historyUrl(trails, 'x') });
    expect(anonymous.statusCode).toBe(401);
  });
});
