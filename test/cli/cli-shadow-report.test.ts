/**
 * `kubernaut shadow-report --scope <ns> --since 7d` against a real API on loopback:
 * a table per workflow (decisions, would act, contradicted), --json for scripts, and a
 * bad --since answered by the API's 400 as a refusal (exit 1) naming the problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { runCli as run } from '../harness/cli.js';
import { uniqueName } from '../harness/index.js';
import { auditPool } from '../integration/audit-fixtures.js';

describe('kubernaut shadow-report', () => {
  const pool = auditPool();
  const scope = uniqueName('shop');
  let env: Record<string, string>;
  const app = buildApp({
    pool,
    config: {
      bodyLimit: 1024 * 1024,
      maxBatchSize: 10,
      tokens: [
        { token: 'cli-reader', name: 'rita', roles: ['reader'], kind: 'user' },
        { token: 'cli-orchestrator', name: 'orchestrator', roles: ['writer'], kind: 'service' },
      ],
    },
  });
  const decided = (rr: string, hoursAgo: number, data: Record<string, unknown>) => ({
    version: '1.0',
    event_type: 'orchestrator.shadow.decided',
    event_timestamp: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
    event_category: 'orchestration',
    event_action: 'decided',
    event_outcome: 'success',
    correlation_id: rr,
    event_data: {
      target_namespace: scope,
      would_require_approval: false,
      routing: { verdict: 'proceed' },
      budget: { verdict: 'available' },
      ...data,
    },
  });
  beforeAll(async () => {
    const a = await app;
    const events = [
      decided(uniqueName('rr'), 50, { workflow_id: 'restart-deployment', target: `${scope}/Deployment/web` }),
      decided(uniqueName('rr'), 49.5, {
        workflow_id: 'restart-deployment',
        target: `${scope}/Deployment/db`,
      }),
      decided(uniqueName('rr'), 30, {
        workflow_id: 'scale-up',
        target: `${scope}/Deployment/api`,
        budget: { verdict: 'exhausted', policy: 'shop' },
      }),
      // 20 minutes after the first decision, web's problem is back.
      {
        ...decided(uniqueName('rr'), 50 - 1 / 3, {}),
        event_type: 'orchestrator.lifecycle.started',
        event_action: 'started',
        event_data: { target: `${scope}/Deployment/web` },
      },
    ];
    const res = await a.inject({
      method: 'POST',
      url: '/api/v1/audit/events/batch',
      headers: { authorization: 'Bearer cli-orchestrator' },
      payload: events,
    });
    expect(res.statusCode, res.body).toBe(201);
    const url = await a.listen({ host: '127.0.0.1', port: 0 });
    env = { KUBERNAUT_API_URL: url, KUBERNAUT_API_TOKEN: 'cli-reader' };
  });
  afterAll(async () => (await app).close());

  it('prints a table per workflow: decisions, would act, contradicted', async () => {
    const r = await run(['shadow-report', '--scope', scope, '--since', '7d'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^shadow decisions in ${scope} from .* contradicted within 60 min$`));
    expect(lines[1]).toMatch(
      /^WORKFLOW\s+DECISIONS\s+WOULD ACT\s+NEEDS APPROVAL\s+WOULD WAIT\s+CONTRADICTED\s+BY SIGNAL\s+BY PERSON\s+OPEN$/,
    );
    expect(lines[2]).toMatch(/^restart-deployment\s+2\s+2 \(100%\)\s+0\s+0\s+1 \(50%\)\s+1\s+0\s+0$/);
    expect(lines[3]).toMatch(/^scale-up\s+1\s+0 \(0%\)\s+0\s+1\s+0 \(0%\)\s+0\s+0\s+0$/);
    expect(lines).toHaveLength(4);
  });

  it('--json prints the API answer; --since 36h leaves the older decisions out; a bad --since exits 1', async () => {
    const json = await run(['shadow-report', '--scope', scope, '--since', '36h', '--json'], env);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.scope).toBe(scope);
    expect(body.workflows).toEqual([
      expect.objectContaining({ workflowId: 'scale-up', decisions: 1, wouldWait: 1 }),
    ]);
    const bad = await run(['shadow-report', '--scope', scope, '--since', 'last-week'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('since must be RFC 3339 or relative');
  });
});
