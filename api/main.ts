/**
 * The API process: migrate, then serve. DATABASE_URL is required (`npm run stack`
 * prints a file to source that sets it for the embedded stack).
 */
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../lib/db.js';
import { loadKubeConfig } from '../lib/kube/client.js';
import { startTracing, tracing } from '../lib/tracing/state.js';
import { migrate } from '../migrations/migrate.js';
import { buildApp } from './app.js';
import { auditLogFromEnv } from './audit-log-config.js';
import { tokenReviewAuthenticator } from './auth/token-review.js';
import { loadConfig } from './config.js';
import { loadGatewayConfig } from './gateway-config.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('DATABASE_URL is not set (start `npm run stack` and source the file it prints)\n');
  process.exit(2);
}

const config = loadConfig();
if (process.env.API_AUTH_KUBERNETES === 'true') {
  // In a cluster: the API server vouches for tokens (TokenReview) and RBAC grants the
  // roles (SubjectAccessReview); API_AUTH_ROLE_BINDINGS adds group→roles as JSON.
  const roleBindings = JSON.parse(process.env.API_AUTH_ROLE_BINDINGS || '{}');
  config.authenticators = [
    ...(config.authenticators ?? []),
    tokenReviewAuthenticator(loadKubeConfig(), { roleBindings, accessReview: true }),
  ];
}
// OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/tracing.md); before the pool, so pg is traced.
await startTracing('kubernaut-api');
// As the owner role when one is named (docs/database-roles.md); the app itself connects as the writer.
await migrate(process.env.DATABASE_MIGRATION_URL || databaseUrl);
const pool = createPool(databaseUrl, { max: 20 });
// Approvals go to the workflows through Temporal; without TEMPORAL_ADDRESS those routes are off.
const temporal = process.env.TEMPORAL_ADDRESS
  ? new Client({
      connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS }),
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      // Approvals sent from a traced request carry its context into the workflow.
      ...(tracing()
        ? { interceptors: (await import('../lib/tracing/temporal.js')).clientInterceptors() }
        : {}),
    })
  : undefined;
// The append-only audit log: sequencer, signed checkpoints, publication (docs/audit-log.md).
// The sequencer connects as its own role when one is named (docs/database-roles.md).
const sequencerPool = process.env.DATABASE_SEQUENCER_URL
  ? createPool(process.env.DATABASE_SEQUENCER_URL, { max: 2 })
  : undefined;
const { log: auditLog, generatedKeyPath } = auditLogFromEnv(pool, {
  kubeConfig: () => loadKubeConfig(),
  sequencerPool,
});
if (auditLog) {
  await auditLog.start();
  process.stdout.write(
    `Audit log ${await auditLog.origin()}: checkpoints signed by ${auditLog.signer.verifier.text}${
      generatedKeyPath ? ` (key generated in ${generatedKeyPath})` : ''
    }\n`,
  );
}
const app = await buildApp({
  pool,
  config,
  temporal,
  auditLog,
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
  // The gateway writes RemediationRequests to the cluster in $KUBECONFIG (or in-cluster).
  gateway: { kubeConfig: loadKubeConfig(), config: loadGatewayConfig() },
});

if (config.generatedToken) {
  // No tokens configured: the embedded default gets one admin token, printed once.
  process.stdout.write(
    `No API_TOKENS configured; generated an admin token for this run:\n  export KUBERNAUT_API_TOKEN=${config.generatedToken}\n`,
  );
}

let closing = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (closing) return;
    closing = true;
    await app.close();
    await auditLog?.stop();
    await sequencerPool?.end();
    await pool.end();
    await tracing()?.shutdown(); // the last spans leave before the process does
    process.exit(0);
  });
}

await app.listen({ host: config.host, port: config.port });
