/**
 * One incident, one trace (docs/tracing.md): an Alertmanager webhook for a
 * crash-looping Deployment in production goes through the gateway, the workflow
 * (approval through the API), every built-in controller, to Completed — with
 * OpenTelemetry on and a real Jaeger (built by the global setup like the other
 * binaries) as the backend. Jaeger's query API must then hold the whole incident
 * under the trace id recorded on the RR, every span's parent in it; every audit row
 * of the RR names that trace; and every JSON log line about the RR carries rr,
 * namespace, workflowId and traceId.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadGatewayConfig } from '../../api/gateway-config.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { TRACE_ID_ANNOTATION, TRACEPARENT_ANNOTATION } from '../../lib/tracing/context.js';
import { tracing } from '../../lib/tracing/state.js';
import { startJaeger } from '../../stack/jaeger.js';
import { resolveTool } from '../../stack/tools.js';
import { CONTROLLER_NAMES } from '../../workers/controllers/config.js';
import { alertmanagerPayload, podAlert } from '../gateway/gateway-fixtures.js';
import { eventually, kube, stackInfo } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { createDeployment, labelNamespace, playKubelet, rollOut } from '../harness/workloads.js';

// Jaeger and the OTLP endpoint first: the worker runtime starts the SDK when it sees it.
const workDir = mkdtempSync(join(tmpdir(), 'tracing-test-'));
const jaeger = await startJaeger((await resolveTool('jaeger')).path, workDir);
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpEndpoint;

const lines: string[] = [];
const sink = { write: (line: string) => void lines.push(line) };
const logger = pino({ level: 'debug' }, sink);

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}

async function jaegerTrace(traceId: string): Promise<JaegerSpan[]> {
  const res = await fetch(`${jaeger.uiUrl}/api/traces/${traceId}`);
  if (!res.ok) return [];
  const body = (await res.json()) as { data: { spans: JaegerSpan[] }[] };
  return body.data[0]?.spans ?? [];
}
const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;

describe('tracing: one trace per incident', () => {
  // Registered first, so it runs last (after hooks run in reverse): the worker has
  // stopped and flushed its last spans before the SDK and then Jaeger go.
  afterAll(async () => {
    await app?.close();
    await tracing()?.shutdown();
    await jaeger.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  const h = useRemediationHarness(
    { stabilizationWindow: '1s' },
    {
      logger,
      controllers: {
        enabled: [...CONTROLLER_NAMES],
        effectiveness: { healthGraceMs: 20_000, recheckMs: 200 },
        notification: { channels: { console: { type: 'console' } }, backoffUnitMs: 10 },
        logger,
      },
    },
  );
  beforeAll(async () => {
    await labelNamespace(h.namespace, { 'kubernaut.ai/environment': 'production' });
    app = await buildApp({
      pool: h.pool,
      temporal: h.runtime.client,
      logger: { level: 'info', stream: sink },
      config: {
        bodyLimit: 1 << 20,
        maxBatchSize: 500,
        tokens: [{ token: 'tracing-test-token-0123456789', name: 'alice', roles: ['admin'], kind: 'user' }],
      },
      gateway: {
        kubeConfig: loadKubeConfig(stackInfo().kubeconfigPath),
        config: { ...loadGatewayConfig({}), controllerNamespace: h.namespace },
      },
    });
  });

  it('gateway → workflow → activities → controllers in one Jaeger trace; audit rows and log lines name it', async () => {
    expect(tracing(), 'the worker started the SDK').toBeDefined();
    const auth = { authorization: 'Bearer tracing-test-token-0123456789' };
    const web = 'checkout';
    await createDeployment(h.namespace, web);
    await rollOut(h.namespace, web);
    const kubelet = playKubelet(h.namespace, web);
    try {
      const pods = await kube().core.listNamespacedPod({
        namespace: h.namespace,
        labelSelector: `app=${web}`,
      });
      const res = await app!.inject({
        method: 'POST',
        url: '/api/v1/signals/prometheus',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: alertmanagerPayload([podAlert(h.namespace, pods.items[0]!.metadata!.name!)]),
      });
      expect(res.statusCode, res.body).toBe(201);
      const rr = res.json().results[0].remediationRequest.name as string;

      const created = await h.objects.get('remediationrequests', h.namespace, rr);
      const traceId = created?.metadata.annotations?.[TRACE_ID_ANNOTATION];
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(created?.metadata.annotations?.[TRACEPARENT_ANNOTATION]).toContain(traceId);

      await h.waitForPhase(rr, ['AwaitingApproval'], 60_000);
      const approved = await app!.inject({
        method: 'POST',
        url: `/api/v1/remediation-requests/${h.namespace}/${rr}/approve`,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: { reason: 'checked the dashboards' },
      });
      expect(approved.statusCode, approved.body).toBe(200);
      const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 90_000);
      expect(done.status?.overallPhase).toBe('Completed');
      await eventually('the completion notification to be sent', async () => {
        const nr = await h.objects.get('notificationrequests', h.namespace, `nr-completion-${rr}`);
        return nr?.status?.phase === 'Sent';
      });

      // Every child carries a span of this trace, written by the activity that made it.
      for (const [plural, prefix] of [
        ['signalprocessings', 'sp'],
        ['aianalyses', 'ai'],
        ['remediationapprovalrequests', 'rar'],
        ['workflowexecutions', 'we'],
        ['effectivenessassessments', 'ea'],
      ] as const) {
        const child = await h.objects.get(plural, h.namespace, `${prefix}-${rr}`);
        expect(child?.metadata.annotations?.[TRACE_ID_ANNOTATION], plural).toBe(traceId);
      }

      // The whole incident in Jaeger, under the id on the RR.
      const controllerKinds = [
        'SignalProcessing',
        'AIAnalysis',
        'WorkflowExecution',
        'EffectivenessAssessment',
        'NotificationRequest',
      ];
      const spans = await eventually(
        'the incident trace in Jaeger',
        async () => {
          await tracing()?.flush();
          const s = await jaegerTrace(traceId!);
          const names = new Set(s.map((x) => x.operationName));
          const complete =
            names.has('POST /api/v1/signals/prometheus') &&
            names.has('RunWorkflow:remediationWorkflow') &&
            names.has('HandleUpdate:approve') &&
            controllerKinds.every((k) => names.has(`reconcile ${k}`)) &&
            names.has('RunActivity:recordAuditEvent');
          return complete ? s : undefined;
        },
        60_000,
      );
      const byId = new Map(spans.map((s) => [s.spanID, s]));
      const parentOf = (s: JaegerSpan) => s.references.find((r) => r.refType === 'CHILD_OF');

      // Correctly parented: one root (the gateway's request), every other parent in the trace.
      const roots = spans.filter((s) => !parentOf(s));
      expect(roots.map((s) => s.operationName)).toEqual(['POST /api/v1/signals/prometheus']);
      expect(tag(roots[0]!, 'http.route')).toBe('/api/v1/signals/prometheus');
      for (const s of spans) {
        const ref = parentOf(s);
        if (ref) expect(byId.has(ref.spanID), `parent of ${s.operationName}`).toBe(true);
        if (ref) expect(ref.traceID).toBe(traceId);
      }
      const chain = (s: JaegerSpan): string[] => {
        const ref = parentOf(s);
        return ref ? [byId.get(ref.spanID)!.operationName, ...chain(byId.get(ref.spanID)!)] : [];
      };
      // The workflow runs under the launcher's start, which continues the gateway's
      // request (its route handler, where the RR was made).
      const run = spans.find((s) => s.operationName === 'RunWorkflow:remediationWorkflow')!;
      expect(chain(run)).toEqual([
        'StartWorkflow:remediationWorkflow',
        'remediation.start',
        'handler - prometheusSignalRoutes',
        'POST /api/v1/signals/prometheus',
      ]);
      // Each phase's child is made by an activity of the run, and its controller's
      // reconciles hang under that activity.
      for (const kind of controllerKinds) {
        const reconciles = spans.filter((s) => s.operationName === `reconcile ${kind}`);
        expect(reconciles.length, kind).toBeGreaterThan(0);
        for (const r of reconciles) {
          const up = chain(r);
          expect(up[0], `${kind} reconcile parent`).toBe('RunActivity:ensureChild');
          expect(up, `${kind} reconcile ancestry`).toContain('RunWorkflow:remediationWorkflow');
        }
      }
      // The approval, sent as its own request, is handled in the incident's trace.
      const update = spans.find((s) => s.operationName === 'HandleUpdate:approve')!;
      expect(chain(update)).toContain('remediation.approve');
      // Audit writes: the activity's query to PostgreSQL is a span under it.
      const audit = spans.find((s) => s.operationName === 'RunActivity:recordAuditEvent')!;
      expect(
        spans.some((s) => parentOf(s)?.spanID === audit.spanID && tag(s, 'db.system') === 'postgresql'),
      ).toBe(true);

      // Every audit row of the RR names the trace.
      const { rows } = await h.pool.query(
        'SELECT event_type, event_data FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
        [rr],
      );
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.filter((r) => r.event_data.trace_id !== traceId).map((r) => r.event_type)).toEqual([]);

      // Every JSON log line about the RR is bound to it. The access log of a request
      // that arrives on its own (the approval) names rr, namespace and workflowId, and
      // the trace of that request (api/access-log.ts), not the incident's.
      const access = new Set(['incoming request', 'request completed']);
      const about = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => JSON.stringify(l).includes(rr));
      const expected = { rr, namespace: h.namespace, workflowId: workflowIdFor(h.namespace, rr), traceId };
      for (const line of about) {
        if (access.has(String(line.msg))) {
          const { traceId: _, ...bound } = expected;
          expect(line, String(line.msg)).toMatchObject(bound);
          expect(line.traceId, String(line.msg)).toMatch(/^[0-9a-f]{32}$/);
        } else expect(line, String(line.msg)).toMatchObject(expected);
      }
      const messages = new Set(about.map((l) => l.msg));
      for (const msg of ['signal created', 'remediation workflow start', 'reconciled', ...access]) {
        expect(messages, msg).toContain(msg);
      }
    } finally {
      await kubelet.stop();
    }
  });
});
