/**
 * The alert rules are real PromQL, checked by Prometheus' own promtool (stack/tools.ts
 * obtains it: PROMTOOL_PATH, the per-user cache, or a build from the Go module proxy,
 * a few minutes the first time): `check config` (scrape config and rules), `check
 * rules`, and `test rules` with deploy/prometheus/rules.test.yml, where every alert
 * fires on one input and stays silent on another. The prometheus-operator files carry
 * the same rules and job names, and every runbook_url names a runbook that exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveTool } from '../../stack/tools.js';
import { REPO, readDocs } from './manifests.js';

const DIR = join(REPO, 'deploy/prometheus');
interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
}
interface Groups {
  groups: { name: string; rules: Rule[] }[];
}
const rules = () => readDocs(join(DIR, 'rules.yml'))[0] as Groups;
const alerts = () => rules().groups.flatMap((g) => g.rules);

let promtool = '';
const run = (...args: string[]) => {
  const r = spawnSync(promtool, args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('alert rules (deploy/prometheus)', () => {
  // The first run may build promtool from Go modules (minutes, with progress on stderr).
  beforeAll(async () => {
    promtool = (await resolveTool('promtool')).path;
  }, 30 * 60_000);

  it('promtool accepts the scrape config and the rule file it loads', () => {
    const r = run('check', 'config', 'prometheus.yml');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`SUCCESS: ${alerts().length} rules found`);
  });

  it('promtool check rules passes, with no lint findings', () => {
    const r = run('check', 'rules', '--lint=all', '--lint-fatal', 'rules.yml');
    expect(r.code, r.out).toBe(0);
  });

  it('promtool test rules: every alert fires on its input and stays silent on another', () => {
    const r = run('test', 'rules', 'rules.test.yml');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
    // Each alert is tested both ways: some case expects it, some case expects it silent.
    const tests = parse(readFileSync(join(DIR, 'rules.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alerts()) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert} fires`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert} stays silent`,
      ).toBe(true);
    }
  });

  it('promtool itself fails a broken rule and a wrong expectation (the checks above can fail)', () => {
    const bad = run('check', 'rules', join(REPO, 'test/fixtures/prometheus/broken-rules.yml'));
    expect(bad.code, bad.out).not.toBe(0);
    const wrong = run('test', 'rules', join(REPO, 'test/fixtures/prometheus/wrong-expectation.test.yml'));
    expect(wrong.code, wrong.out).not.toBe(0);
    expect(wrong.out).toContain('KubernautApprovalBacklog');
  });

  it('every alert links a runbook in docs/runbooks that exists', () => {
    for (const { alert, annotations } of alerts()) {
      expect(annotations.runbook_url, alert).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      expect(existsSync(join(REPO, annotations.runbook_url!)), annotations.runbook_url).toBe(true);
    }
  });

  it('the PrometheusRule carries exactly the groups of rules.yml', () => {
    const [rule] = readDocs(join(REPO, 'deploy/prometheus-operator/prometheusrule.yaml'));
    expect(rule?.kind).toBe('PrometheusRule');
    expect(
      rule?.spec.groups,
      'copy the groups of deploy/prometheus/rules.yml into prometheusrule.yaml',
    ).toEqual(rules().groups);
  });

  it('the operator monitors scrape the same jobs as prometheus.yml, on the ports that serve /metrics', () => {
    const monitors = readDocs(join(REPO, 'deploy/prometheus-operator/monitors.yaml'));
    const config = readDocs(join(DIR, 'prometheus.yml'))[0] as { scrape_configs: { job_name: string }[] };
    expect(config.scrape_configs.map((c) => c.job_name).sort()).toEqual([
      'kubernaut-api',
      'kubernaut-worker',
    ]);
    const api = monitors.find((m) => m.kind === 'ServiceMonitor');
    const worker = monitors.find((m) => m.kind === 'PodMonitor');
    // jobLabel takes the job name from the app.kubernetes.io/name label the base sets.
    expect(api?.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('kubernaut-api');
    expect(worker?.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('kubernaut-worker');
    expect(api?.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    expect(worker?.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'probes', path: '/metrics' });
  });
});
