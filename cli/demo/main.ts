/**
 * `npm run demo`: the whole story on the embedded stack (or on the services named by
 * DATABASE_URL / TEMPORAL_ADDRESS / KUBECONFIG). An Alertmanager webhook for a
 * crash-looping Deployment becomes a RemediationRequest; the built-in controllers
 * enrich, analyse, ask for approval, restart the Deployment and assess it; then the
 * audit trail, its hash chain and the reconstruction are shown. Exit 0 only if the
 * story completed. `--interactive` waits for you to approve; `--keep` leaves the
 * stack running afterwards so you can explore the Web UI and the API. `--tracing`
 * also starts Jaeger, traces the whole story and prints the link to its trace
 * (docs/tracing.md).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import { buildApp } from '../../api/app.js';
import { loadGatewayConfig } from '../../api/gateway-config.js';
import { createPool } from '../../lib/db.js';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { installCrds } from '../../lib/kube/install-crds.js';
import { TRACE_ID_ANNOTATION } from '../../lib/tracing/context.js';
import { startTracing } from '../../lib/tracing/state.js';
import { migrate } from '../../migrations/migrate.js';
import { startStack } from '../../stack/index.js';
import { jaegerTraceUrl } from '../../stack/jaeger.js';
import { auditMaintenanceFromEnv } from '../../workers/audit-maintenance.js';
import { controllersConfigFromEnv } from '../../workers/controllers/config.js';
import { startWorkerRuntime } from '../../workers/runtime.js';
import { startKubeletStandIn } from './kubelet-standin.js';
import { auditTimeline, block, jsonDiff, note, rrTable, step } from './show.js';

const interactive = process.argv.includes('--interactive');
const keep = process.argv.includes('--keep');
const tracingAsked = process.argv.includes('--tracing');
const CONTROLLER_NS = 'kubernaut-system';
const APP_NS = 'shop';
const token = randomBytes(16).toString('hex');
const stops: (() => Promise<unknown>)[] = [];
let ok = false;

try {
  step(
    `Starting the stack (PostgreSQL, Temporal dev server, Kubernetes control plane${tracingAsked ? ', Jaeger' : ''})`,
  );
  const stack = await startStack({ log: (l) => note(l), tracing: tracingAsked });
  stops.push(() => stack.stop());
  if (stack.otlpEndpoint) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = stack.otlpEndpoint;
  const traced = await startTracing('kubernaut-demo');
  // Stopped before the stack (stops run in order): the last spans reach Jaeger first.
  if (traced) stops.unshift(() => traced.shutdown());
  await migrate(stack.migrationDatabaseUrl);
  const kc = loadKubeConfig(stack.kubeconfigPath);
  note(`${(await installCrds(kc)).length} CRDs installed`);

  const runtime = await startWorkerRuntime({
    temporalAddress: stack.temporalAddress,
    temporalNamespace: stack.temporalNamespace,
    databaseUrl: stack.databaseUrl,
    auditMaintenance: auditMaintenanceFromEnv(),
    kubeconfigPath: stack.kubeconfigPath,
    settings: { stabilizationWindow: '3s', safetyRecheckMs: 10_000 },
    // The story is the output; the controllers' own log shows only errors.
    controllers: { ...controllersConfigFromEnv(), logger: pino({ level: 'error' }) },
    log: () => {},
  });
  stops.unshift(() => runtime.stop());
  const pool = createPool(stack.databaseUrl);
  stops.unshift(() => pool.end());
  const app = await buildApp({
    pool,
    temporal: runtime.client,
    gateway: { kubeConfig: kc, config: { ...loadGatewayConfig(), controllerNamespace: CONTROLLER_NS } },
    config: {
      bodyLimit: 1 << 20,
      maxBatchSize: 500,
      tokens: [{ token, name: 'demo-operator', roles: ['admin'], kind: 'user' }],
    },
  });
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  stops.unshift(() => app.close());
  note(`worker (Temporal worker, launcher, watchers, built-in controllers) and API (${apiUrl}) running`);

  step(`Creating a sample Deployment ${APP_NS}/checkout (a production namespace: approval will be required)`);
  const { core, apps, custom } = kubeClients(kc);
  await core.createNamespace({
    body: { metadata: { name: APP_NS, labels: { 'kubernaut.ai/environment': 'production' } } },
  });
  const standIn = stack.kube ? startKubeletStandIn(kc, APP_NS) : undefined;
  if (standIn) {
    stops.unshift(() => standIn.stop());
    note('embedded control plane has no kubelet: a stand-in marks the demo pods Ready, as a kubelet would');
  }
  await apps.createNamespacedDeployment({
    namespace: APP_NS,
    body: {
      metadata: { name: 'checkout', labels: { app: 'checkout' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'checkout' } },
        template: {
          metadata: { labels: { app: 'checkout' } },
          spec: { containers: [{ name: 'app', image: 'ghcr.io/example/checkout:1.4.2' }] },
        },
      },
    },
  });
  const pod = await until(
    'a pod of the Deployment',
    async () => (await core.listNamespacedPod({ namespace: APP_NS })).items[0]?.metadata?.name,
  );
  note(`pod ${pod} exists (owned by a ReplicaSet owned by the Deployment)`);

  step('Alertmanager fires KubePodCrashLooping for that pod');
  const startsAt = new Date().toISOString();
  const webhook = {
    version: '4',
    status: 'firing',
    receiver: 'kubernaut',
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    groupLabels: { alertname: 'KubePodCrashLooping' },
    commonLabels: { alertname: 'KubePodCrashLooping', severity: 'critical', namespace: APP_NS },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'KubePodCrashLooping',
          severity: 'critical',
          namespace: APP_NS,
          pod,
          container: 'app',
        },
        annotations: {
          summary: `Pod ${APP_NS}/${pod} is crash looping`,
          description: 'Back-off restarting failed container app',
        },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: 'a1b2c3d4e5f60718',
      },
    ],
  };
  const res = await fetch(`${apiUrl}/api/v1/signals/prometheus`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(webhook),
  });
  const body = (await res.json()) as { results: { remediationRequest?: { name: string } }[] };
  const rrName = body.results[0]?.remediationRequest?.name;
  if (res.status !== 201 || !rrName)
    throw new Error(`gateway answered ${res.status}: ${JSON.stringify(body)}`);
  note(
    `gateway: 201 Created → RemediationRequest ${CONTROLLER_NS}/${rrName} (target resolved to Deployment ${APP_NS}/checkout)`,
  );

  step('Remediation in progress (each phase as the workflow enters it)');
  const rrPath = {
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    namespace: CONTROLLER_NS,
    plural: 'remediationrequests',
    name: rrName,
  };
  const getRR = async () => (await custom.getNamespacedCustomObject(rrPath)) as Record<string, any>;
  const seen = new Set<string>();
  const followUntil = async (stop: string[]) =>
    until(
      `phase ${stop.join('/')}`,
      async () => {
        const rr = await getRR();
        const phase = rr.status?.overallPhase as string | undefined;
        if (phase && !seen.has(phase)) {
          seen.add(phase);
          note(`${phase.padEnd(17)} ${rr.status?.message ?? ''}`);
        }
        return phase && stop.includes(phase) ? rr : undefined;
      },
      180_000,
    );
  let rr = await followUntil(['AwaitingApproval', 'Completed', 'Failed', 'TimedOut']);

  if (rr.status.overallPhase === 'AwaitingApproval') {
    const command = `kubernaut approve ${rrName} -n ${CONTROLLER_NS} --reason "restart is safe, checked the dashboards"`;
    step('Approval required (production environment)');
    block(
      `A person approves with:\n  ${command}\n(or: temporal workflow update execute --workflow-id rr/${CONTROLLER_NS}/${rrName} --name approve --input '{"decidedBy":"you"}')`,
    );
    if (interactive) {
      block(
        `In another shell: export TEMPORAL_ADDRESS=${stack.temporalAddress}; then run the command above.`,
      );
    } else {
      const out = await runCli(
        ['approve', rrName, '-n', CONTROLLER_NS, '--reason', 'restart is safe, checked the dashboards'],
        {
          TEMPORAL_ADDRESS: stack.temporalAddress,
          TEMPORAL_NAMESPACE: stack.temporalNamespace,
          KUBERNAUT_API_URL: apiUrl,
          KUBERNAUT_API_TOKEN: token,
        },
      );
      note(`$ ${command}\n             ${out.trim()}`);
    }
    rr = await followUntil(['Completed', 'Failed', 'TimedOut']);
  }
  const outcome = rr.status?.completionStatus?.outcome;
  note(`finished: ${rr.status.overallPhase} (${outcome ?? rr.status?.completionStatus?.failureReason})`);

  step('The change applied to the Deployment');
  const dep = await apps.readNamespacedDeployment({ name: 'checkout', namespace: APP_NS });
  block(
    `spec.template.metadata.annotations: ${JSON.stringify(dep.spec?.template?.metadata?.annotations ?? {})}`,
  );

  step('The final RemediationRequest');
  block(rrTable(rr as never));
  const live = await getRR();
  delete live.metadata.managedFields;
  block(stringify({ spec: live.spec, status: live.status }));

  step('Audit trail (PostgreSQL, hash-chained)');
  const api = (path: string, init?: RequestInit) =>
    fetch(`${apiUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init?.body ? { 'content-type': 'application/json' } : {}),
      },
    }).then((r) => r.json() as Promise<Record<string, any>>);
  const trail = await api(`/api/v1/audit/events?correlation_id=${rrName}&limit=1000`);
  block(auditTimeline([...trail.data].reverse()));
  const chain = await api('/api/v1/audit/verify-chain', {
    method: 'POST',
    body: JSON.stringify({ correlation_id: rrName }),
  });
  note(
    `verify-chain: ${chain.is_valid ? 'valid' : 'BROKEN'} (${chain.verified_events}/${chain.total_events} events)`,
  );

  step('Reconstruction of the RemediationRequest from its audit rows alone');
  const rec = await api(`/api/v1/audit/remediation-requests/${rrName}/reconstruct`, { method: 'POST' });
  if (typeof rec.remediation_request_yaml !== 'string')
    throw new Error(`reconstruction failed: ${JSON.stringify(rec)}`);
  const rebuilt = parse(rec.remediation_request_yaml) as Record<string, any>;
  const diff = [
    ...jsonDiff(rebuilt.spec, live.spec, 'spec'),
    ...jsonDiff(rebuilt.status, live.status, 'status'),
  ];
  note(
    `completeness ${rec.validation?.completeness}%; differences from the live RR: ${diff.length ? `\n${diff.join('\n')}` : 'none'}`,
  );

  step('Where to look');
  const query = encodeURIComponent('RemediationPhase="Completed"');
  block(
    `Temporal Web UI: ${stack.temporalUiUrl ?? '(your Temporal UI)'}/namespaces/${stack.temporalNamespace}/workflows?query=${query}`,
  );
  block(`API docs:        ${apiUrl}/docs`);
  const traceId = (live.metadata.annotations as Record<string, string> | undefined)?.[TRACE_ID_ANNOTATION];
  if (traced && traceId) {
    await traced.flush();
    block(
      stack.jaegerUiUrl
        ? `Trace:           ${jaegerTraceUrl(stack.jaegerUiUrl, traceId)}\n                 (as JSON: ${stack.jaegerUiUrl}/api/traces/${traceId})`
        : `Trace:           id ${traceId} in your tracing backend`,
    );
  }

  ok =
    outcome === 'Remediated' &&
    chain.is_valid === true &&
    rec.validation?.completeness === 100 &&
    diff.length === 0;
  if (keep) {
    block(`Stack kept running (API token ${token}). Ctrl-C to stop.`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
} catch (err) {
  process.stderr.write(`\ndemo failed: ${(err as Error).stack ?? err}\n`);
} finally {
  for (const stop of stops) await stop().catch(() => {});
  process.stdout.write(
    `\n${ok ? 'demo completed: the alert was remediated, audited and reconstructed' : 'demo FAILED'}\n`,
  );
  process.exit(ok ? 0 : 1);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../bin.js', import.meta.url)), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kubernaut ${args[0]} exited ${code}: ${out}`)),
    );
  });
}
