/**
 * `kubernaut history <kind>/<name> -n <ns>` against a real API on loopback: the
 * remediations of the object, oldest first, with outcome and spec comparison;
 * -o json for scripts; a malformed reference is a usage error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { runCli as run } from '../harness/cli.js';
import { auditPool } from '../integration/audit-fixtures.js';
import { type HistoryTrails, writeHistoryTrails } from '../integration/history-fixtures.js';

describe('kubernaut history', () => {
  const pool = auditPool();
  let trails: HistoryTrails;
  let env: Record<string, string>;
  const app = buildApp({
    pool,
    config: {
      bodyLimit: 1024 * 1024,
      maxBatchSize: 10,
      tokens: [{ token: 'cli-reader', name: 'rita', roles: ['reader'], kind: 'user' }],
    },
  });
  beforeAll(async () => {
    trails = await writeHistoryTrails(pool);
    const url = await (await app).listen({ host: '127.0.0.1', port: 0 });
    env = { KUBERNAUT_API_URL: url, KUBERNAUT_API_TOKEN: 'cli-reader' };
  });
  afterAll(async () => (await app).close());

  it('prints what was tried on the object, oldest first, with outcome and spec comparison', async () => {
    const r = await run(['history', 'Deployment/web', '-n', trails.namespace, '--spec-hash', 'bbb1'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${trails.target}: 2 remediation(s) in the last 24h`);
    expect(lines[1]).toMatch(/^regression:/);
    expect(lines[2]).toMatch(/^AGO\s+REMEDIATION\s+WORKFLOW\s+OUTCOME\s+SIGNAL\s+SCORE\s+SPEC NOW$/);
    // The regression tier first (Kubernaut's trail, 40 days old), then the last 24 h.
    expect(lines[3]).toMatch(
      new RegExp(`${trails.kubernaut}\\s+RestartPod\\s+Success\\s+not resolved\\s+0\\.40\\s+preRemediation`),
    );
    expect(lines[4]).toMatch(
      new RegExp(`${trails.failed}\\s+restart-crashlooping-workload\\s+Failed\\s+not resolved`),
    );
    expect(lines[5]).toMatch(
      new RegExp(
        `${trails.succeeded}\\s+restart-crashlooping-workload\\s+Success\\s+resolved\\s+1\\.00\\s+postRemediation`,
      ),
    );
    expect(lines).toHaveLength(6);
  });

  it('-o json prints the API answer; a reference without a name is a usage error (exit 2)', async () => {
    const json = await run(
      ['history', 'Deployment/web', '-n', trails.namespace, '--spec-hash', 'x', '-o', 'json'],
      env,
    );
    const body = JSON.parse(json.stdout);
    expect(body.tier1.chain.map((e: { remediationUID: string }) => e.remediationUID)).toEqual([
      trails.failed,
      trails.succeeded,
    ]);
    expect(body.regressionDetected).toBe(false);
    const bad = await run(['history', 'web', '-n', trails.namespace], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected <kind>/<name>');
  });
});
