/**
 * docs/runbooks/watch-connection-loss.md, tried: a worker whose connections to the
 * kube-apiserver go through a proxy loses them all at once (a network drop):
 * its informers restart their watches (Category D), counted in
 * kubernaut_watch_restarts_total, what KubernautWatchReconnects fires on. The
 * runbook's first diagnostic, `curl -s <worker>:8081/metrics | grep
 * '^kubernaut_watch_restarts_total'`, names the resources; recovery is automatic: an
 * RR created afterwards is launched and its first child created.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { eventually, stackInfo } from '../harness/index.js';
import { curl, grep, sampleValue, useWorkerProbePort } from '../harness/operator.js';
import { completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../harness/tcp-proxy.js';

const WATCHED = ['remediationrequests', 'signalprocessings', 'remediationapprovalrequests'];

describe('runbook: watch connection loss', () => {
  let proxy: TcpProxy;
  let dir = '';
  let kubeconfigPath = '';
  beforeAll(async () => {
    const config = parse(readFileSync(stackInfo().kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string } }[];
    };
    const server = new URL(config.clusters[0]!.cluster.server);
    proxy = await startTcpProxy(server.hostname, Number(server.port));
    for (const c of config.clusters)
      c.cluster.server = throughProxy(c.cluster.server, proxy).replace(/\/$/, '');
    dir = mkdtempSync(join(tmpdir(), 'runbook-watch-'));
    kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, stringify(config), { mode: 0o600 });
  });
  afterAll(async () => {
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const h = useRemediationHarness({}, { kubeconfigPath: () => kubeconfigPath });
  const probe = useWorkerProbePort(() => h.runtime.readiness());
  const restarts = async () =>
    grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_watch_restarts_total');
  const count = (lines: string[], resource: string) =>
    sampleValue(lines, `kubernaut_watch_restarts_total{resource="${resource}"}`);

  it('connections to the apiserver dropped → restarts counted per resource; the watches resume', async () => {
    const before = await restarts();
    proxy.cut();
    const after = await eventually('the watches restarted', async () => {
      const lines = await restarts();
      return WATCHED.every((r) => count(lines, r) > count(before, r)) ? lines : undefined;
    });
    for (const resource of WATCHED)
      expect(
        after.some((l) => l.includes(`resource="${resource}"`)),
        resource,
      ).toBe(true);

    // Recovery is automatic: the resumed RR watch launches a new RR, and the resumed
    // SignalProcessing watch reports its completion (the safety re-read is a minute away).
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
  });
});
