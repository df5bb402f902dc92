import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildApp } from '../../api/app.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { type CliRun as Run, runCli } from '../harness/cli.js';
import { eventually, stackInfo } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { genesisEvent } from '../reconstruct/reconstruct-fixtures.js';

describe('kubernaut CLI', () => {
  const h = useRemediationHarness();
  let app: FastifyInstance;
  let apiUrl: string;
  beforeAll(async () => {
    app = await buildApp({
      pool: h.pool,
      temporal: h.runtime.client,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [{ token: 'cli-approver', name: 'approver-from-token', roles: ['approver'], kind: 'user' }],
      },
    });
    apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app?.close());

  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    runCli(args, {
      TEMPORAL_ADDRESS: stackInfo().temporalAddress,
      TEMPORAL_NAMESPACE: stackInfo().temporalNamespace,
      KUBERNAUT_NAMESPACE: h.namespace,
      KUBERNAUT_USER: 'cli-user',
      ...env,
    });
  const withApi = () => ({ KUBERNAUT_API_URL: apiUrl, KUBERNAUT_API_TOKEN: 'cli-approver' });

  it('pending lists a remediation awaiting approval with its time left; -o json for scripts', async () => {
    const rr = await h.awaitingApproval();
    const human = await eventually('pending to show the RR', async () => {
      const r = await cli(['pending']);
      return r.stdout.includes(rr) ? r : undefined;
    });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/TIME LEFT/);
    expect(human.stdout).toMatch(new RegExp(`${rr}.*restart-deployment.*\\d+m`));
    const json = JSON.parse((await cli(['pending', '-o', 'json'])).stdout) as {
      name: string;
      requiredBy: string;
    }[];
    expect(Date.parse(json.find((p) => p.name === rr)!.requiredBy)).toBeGreaterThan(Date.now());
  });

  it('approve (direct to Temporal) records --as and the reason; a second decision fails with why, exit 1', async () => {
    const rr = await h.awaitingApproval();
    const ok = await cli(['approve', rr, '--as', 'alice', '--reason', 'dashboards are green']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`approved ${h.namespace}/${rr} (by alice)`);
    const again = await cli(['reject', rr]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(
        `kubernaut: (remediation ${rr} was already approved|no remediation ${rr} awaiting approval; it is \\w+)`,
      ),
    );
  });

  it('approve through the API records the token’s identity, whatever --as claims', async () => {
    const rr = await h.awaitingApproval();
    const r = await cli(['approve', rr, '--as', 'mallory', '-o', 'json'], withApi());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).approval).toMatchObject({
      decision: 'Approved',
      decidedBy: 'approver-from-token',
    });
  });

  it('an unknown remediation is exit 3 with a clear message; an unreachable Temporal is exit 4', async () => {
    const missing = await cli(['approve', 'rr-nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`no remediation ${h.namespace}/rr-nope`);
    const down = await cli(['status', 'rr-nope'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(down.code).toBe(4);
  });

  it('status shows phase, children and timeline; list filters by phase; a bad --since is a usage error', async () => {
    const rr = await h.awaitingApproval();
    const s = await cli(['status', rr]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`${h.namespace}/${rr}: AwaitingApproval`);
    expect(s.stdout).toContain(`sp-${rr}`);
    expect(s.stdout).toMatch(/PHASE\s+AT\s+AFTER\s+MESSAGE/);
    const listed = await eventually('list --phase AwaitingApproval to show the RR', async () => {
      const r = await cli(['list', '--phase', 'AwaitingApproval', '--since', '1h', '-o', 'json']);
      return (JSON.parse(r.stdout) as { name: string }[]).some((x) => x.name === rr) ? r : undefined;
    });
    expect(listed.code).toBe(0);
    const bad = await cli(['list', '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since yesterday is not a duration');
  });

  it('verify reports a valid chain (exit 0) and an unknown correlation as not found (exit 3)', async () => {
    const rr = await h.awaitingApproval();
    const ok = await cli(['verify', rr], withApi());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^valid: \d+\/\d+ events verified/);
    const missing = await cli(['verify', 'no-such-correlation'], withApi());
    expect(missing.code).toBe(3);
  });

  it('reconstruct prints the rebuilt RR as YAML (completeness on stderr); without a genesis event it is refused, exit 1', async () => {
    const rr = await h.awaitingApproval();
    const refused = await cli(['reconstruct', rr], withApi());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/gateway\.signal\.received/);

    const live = await h.objects.get('remediationrequests', h.namespace, rr);
    await createAuditWriter(h.pool).write([genesisEvent(live!)]);
    const ok = await cli(['reconstruct', rr], withApi());
    expect(ok.code).toBe(0);
    const rebuilt = parse(ok.stdout) as {
      apiVersion: string;
      metadata: { name: string };
      spec: unknown;
      status: { overallPhase: string };
    };
    expect(rebuilt.apiVersion).toBe('kubernaut.ai/v1alpha1');
    expect(rebuilt.metadata.name).toBe(rr);
    expect(rebuilt.spec).toEqual(live!.spec);
    expect(rebuilt.status.overallPhase).toBe('AwaitingApproval');
    expect(ok.stderr).toMatch(/^completeness \d+%/);
    const json = await cli(['reconstruct', rr, '-o', 'json'], withApi());
    expect(JSON.parse(json.stdout).correlation_id).toBe(rr);
  });
});
