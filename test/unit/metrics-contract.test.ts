/**
 * docs/metrics.md is the contract between the code and what reads its metrics:
 * every metric the worker and the API register is listed there and nothing else is,
 * and the alert rules (deploy/prometheus) and the dashboard (deploy/grafana) name
 * only listed metrics — so a renamed metric fails here, not in a silent dashboard.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics, installMetrics } from '../../api/metrics.js';
import { signalMetrics } from '../../api/routes/signal-common.js';
import { auditLogMetrics } from '../../lib/audit/log-metrics.js';
import { instrumentAuditWriter } from '../../lib/metrics/audit-writes.js';
// Registers the audit maintenance metrics, as workers/runtime.ts does by importing it.
import '../../workers/audit-maintenance-metrics.js';
import { workerRegistry } from '../../workers/metrics.js';
import { REPO } from '../deploy/manifests.js';

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

/** Names in the first column of docs/metrics.md's tables, by section (## Worker, ## API). */
function documented(): Record<string, Set<string>> {
  const out: Record<string, Set<string>> = {};
  let section = '';
  for (const line of read('docs/metrics.md').split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) section = heading[1]!;
    const row = /^\| `([a-z_:]+)` +\|/.exec(line);
    if (!row) continue;
    const names = out[section] ?? new Set<string>();
    names.add(row[1]!);
    out[section] = names;
  }
  return out;
}

/** Our metrics in a registry (prom-client's default process metrics are not ours to document). */
const ours = async (r: Registry) =>
  new Set((await r.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('kubernaut_')));

async function apiRegistry(): Promise<Registry> {
  // As api/app.ts wires them: the app's metrics, the signal routes', the audit writer's and the audit log's.
  const m = createMetrics();
  const app = Fastify();
  installMetrics(app, m);
  signalMetrics(m.registry);
  instrumentAuditWriter(
    { write: async () => ({ event_ids: [], inserted: 0, duplicate_event_ids: [] }) },
    m.registry,
  );
  auditLogMetrics(m.registry, { status: () => ({ ok: true }) });
  await app.close();
  return m.registry;
}

/** kubernaut_* series named in PromQL, with histogram suffixes mapped to the metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bkubernaut_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''));
}

describe('docs/metrics.md', () => {
  it('lists exactly the metrics the worker registers', async () => {
    // The audit writer's metrics join the registry when runtime.ts wraps its writer.
    instrumentAuditWriter(
      { write: async () => ({ event_ids: [], inserted: 0, duplicate_event_ids: [] }) },
      workerRegistry,
    );
    expect([...(documented().Worker ?? [])].sort()).toEqual([...(await ours(workerRegistry))].sort());
  });

  it('lists exactly the metrics the API registers', async () => {
    expect([...(documented().API ?? [])].sort()).toEqual([...(await ours(await apiRegistry()))].sort());
  });

  it('covers every metric the alert rules use', () => {
    const all = new Set(Object.values(documented()).flatMap((s) => [...s]));
    const rules = parse(read('deploy/prometheus/rules.yml')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const used = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr)));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((n) => !all.has(n))).toEqual([]);
  });
});

describe('the Grafana dashboard (deploy/grafana)', () => {
  type Panel = {
    id: number;
    type: string;
    title: string;
    gridPos: { h: number; w: number; x: number; y: number };
    targets?: { expr: string; refId: string }[];
  };
  const dashboard = JSON.parse(read('deploy/grafana/kubernaut-temporal.json')) as {
    uid: string;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };
  const graphs = dashboard.panels.filter((p) => p.type !== 'row');

  it('is a dashboard whose panels each query Prometheus through the datasource variable', () => {
    expect(dashboard.uid).toBe('kubernaut-temporal');
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of graphs) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(new Set(p.targets!.map((t) => t.refId)).size, p.title).toBe(p.targets!.length);
    }
  });

  it('names only metrics docs/metrics.md lists, and shows outcomes, phases, approvals, audit and gateway', () => {
    const all = new Set(Object.values(documented()).flatMap((s) => [...s]));
    const used = graphs.flatMap((p) => p.targets!.flatMap((t) => metricsIn(t.expr)));
    expect(used.filter((n) => !all.has(n))).toEqual([]);
    for (const needed of [
      'kubernaut_remediations_finished_total',
      'kubernaut_remediation_phase_duration_seconds',
      'kubernaut_approval_wait_seconds',
      'kubernaut_audit_events_written_total',
      'kubernaut_gateway_signals_received_total',
    ])
      expect(used, needed).toContain(needed);
  });
});
