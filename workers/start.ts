/**
 * `npm start`: the embedded stack (or the services named by DATABASE_URL /
 * TEMPORAL_ADDRESS / KUBECONFIG), the worker (with the built-in controllers) and the
 * API in one process, without the demo's scripted story. Ctrl-C stops everything.
 *
 * `npm start -- --tracing`: also Jaeger, with every span of the process sent to it
 * (docs/tracing.md); an OTEL_EXPORTER_OTLP_ENDPOINT already set is used instead.
 */

import { join } from 'node:path';
import { buildApp } from '../api/app.js';
import { auditLogFromEnv } from '../api/audit-log-config.js';
import { loadConfig } from '../api/config.js';
import { loadGatewayConfig } from '../api/gateway-config.js';
import { createPool } from '../lib/db.js';
import { loadKubeConfig } from '../lib/kube/client.js';
import { installCrds } from '../lib/kube/install-crds.js';
import { startTracing } from '../lib/tracing/state.js';
import { migrate } from '../migrations/migrate.js';
import { startStack } from '../stack/index.js';
import { onShutdown } from '../stack/shutdown.js';
import { auditMaintenanceFromEnv } from './audit-maintenance.js';
import { startWorkerRuntime } from './runtime.js';

const tracingAsked = process.argv.includes('--tracing');
const stack = await startStack({ tracing: tracingAsked });
if (stack.otlpEndpoint) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = stack.otlpEndpoint;
// One SDK for the worker and the API of this process; before the pools, so pg is traced.
const traced = await startTracing('kubernaut-temporal');
await migrate(stack.migrationDatabaseUrl);
const kc = loadKubeConfig(stack.kubeconfigPath);
await installCrds(kc);
const runtime = await startWorkerRuntime({
  temporalAddress: stack.temporalAddress,
  temporalNamespace: stack.temporalNamespace,
  databaseUrl: stack.databaseUrl,
  auditMaintenance: auditMaintenanceFromEnv(),
  kubeconfigPath: stack.kubeconfigPath,
  hmacKey: process.env.AUDIT_HMAC_KEY || undefined,
});
const config = loadConfig();
const pool = createPool(stack.databaseUrl, { max: 20 });
// The sequencer connects as its own role (docs/database-roles.md).
const sequencerPool = createPool(stack.sequencerDatabaseUrl, { max: 2 });
// Checkpoints leave the (embedded, throwaway) database: published beside the stack.
const { log: auditLog } = auditLogFromEnv(pool, {
  sequencerPool,
  kubeConfig: () => kc,
  env: { AUDIT_CHECKPOINT_FILE: join(stack.workDir, 'audit-checkpoint'), ...process.env },
});
await auditLog?.start();
const app = await buildApp({
  pool,
  config,
  auditLog,
  temporal: runtime.client,
  gateway: { kubeConfig: kc, config: loadGatewayConfig() },
  logger: { level: process.env.LOG_LEVEL ?? 'warn' },
});
const url = await app.listen({
  host: process.env.API_HOST ?? '127.0.0.1',
  port: config.port,
});
const token = config.generatedToken;
process.stdout.write(
  [
    '',
    'kubernaut-temporal is running:',
    `  API              ${url}   (docs: ${url}/docs)`,
    token ? `  API token        export KUBERNAUT_API_URL=${url} KUBERNAUT_API_TOKEN=${token}` : '',
    `  Temporal         ${stack.temporalAddress}   Web UI: ${stack.temporalUiUrl ?? '(external)'}`,
    `  Kubernetes       export KUBECONFIG=${stack.kubeconfigPath}`,
    `  PostgreSQL       ${stack.databaseUrl}`,
    traced
      ? `  Tracing          ${stack.jaegerUiUrl ? `Jaeger UI: ${stack.jaegerUiUrl}` : `OTLP to ${stack.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT}`} (each RR's trace id: annotation kubernaut.ai/trace-id)`
      : '',
    auditLog ? `  Audit log key    ${auditLog.signer.verifier.text}` : '',
    `  All of the above: source ${stack.workDir}/env`,
    'Send an Alertmanager webhook to POST /api/v1/signals/prometheus. Ctrl-C to stop.',
    '',
  ]
    .filter(Boolean)
    .join('\n'),
);
// Ctrl-C / SIGTERM: the API, then the worker, then the stack (registered first, so it stops last).
onShutdown(async () => {
  await app.close();
  await auditLog?.stop();
  await runtime.stop();
  await sequencerPool.end();
  await pool.end();
  await traced?.shutdown();
});
