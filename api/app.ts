/**
 * The Fastify app factory. Routes live in api/routes/ as plugins; the gateway and
 * approval routes are added the same way. Everything the app needs comes in
 * through `buildApp`, so tests build it with their own pool, tokens and limits.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type pg from 'pg';
import { groupCommits } from '../lib/audit/group-commit.js';
import { auditLogMetrics } from '../lib/audit/log-metrics.js';
import type { AuditLog } from '../lib/audit/log-service.js';
import type { AuditWriter } from '../lib/audit/types.js';
import { createAuditWriter } from '../lib/audit/writer.js';
import { Gateway } from '../lib/gateway/ingest.js';
import { instrumentAuditWriter } from '../lib/metrics/audit-writes.js';
import { workflowIdFor } from '../lib/remediation-messages.js';
import { traceIdMixin } from '../lib/tracing/log-fields.js';
import { tracing } from '../lib/tracing/state.js';
import { AccessLogController, installAccessLog } from './access-log.js';
import { authPlugin } from './auth/plugin.js';
import { staticTokenAuthenticator } from './auth/static-tokens.js';
import type { ApiConfig } from './config.js';
import type { GatewayConfig } from './gateway-config.js';
import { installJsonDepthLimit } from './json-depth.js';
import { createMetrics, installMetrics } from './metrics.js';
import { installProblemHandlers } from './problems.js';
import { auditExportRoutes } from './routes/audit-export.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { auditNotificationRoutes } from './routes/audit-notifications.js';
import { auditReadRoutes } from './routes/audit-read.js';
import { auditReconstructRoutes } from './routes/audit-reconstruct.js';
import { auditWriteRoutes } from './routes/audit-write.js';
import { effectivenessRoutes } from './routes/effectiveness.js';
import { healthRoutes } from './routes/health.js';
import { legalHoldRoutes } from './routes/legal-hold.js';
import { remediationHistoryRoutes } from './routes/remediation-history.js';
import { remediationRoutes } from './routes/remediations.js';
import { shadowReportRoutes } from './routes/shadow-report.js';
import { kubernetesEventSignalRoutes } from './routes/signals-kubernetes-event.js';
import { prometheusSignalRoutes } from './routes/signals-prometheus.js';
import { sharedSchemas } from './schemas/audit.js';

export interface BuildAppOptions {
  pool: pg.Pool;
  config: Pick<
    ApiConfig,
    'bodyLimit' | 'maxBatchSize' | 'groupCommitInFlight' | 'hmacKey' | 'tokens' | 'authenticators'
  >;
  /** Fastify's logger option (pino); off by default for tests. */
  logger?: FastifyServerOptions['logger'];
  /** A writer to use instead of one on `pool` (e.g. shared with a worker). */
  writer?: AuditWriter;
  /** The audit log service: write answers carry its checkpoint, verify-chain checks against it. */
  auditLog?: AuditLog;
  /** Approval and live-view routes, registered when a Temporal client is given. */
  temporal?: Client;
  /** The gateway's signal routes, registered when given (they need a cluster). */
  gateway?: { kubeConfig: KubeConfig; config: GatewayConfig };
}

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { pool, config } = opts;
  const app = Fastify({
    // pino options get the active span's trace id on every line (the access log too).
    logger:
      typeof opts.logger === 'object' && !('info' in opts.logger)
        ? { mixin: traceIdMixin, ...opts.logger }
        : (opts.logger ?? false),
    bodyLimit: config.bodyLimit,
    // Kubernaut's correlation ids and cursors can be long; keep room but bound it.
    routerOptions: { maxParamLength: 300 },
    // Unknown query parameters are refused rather than silently dropped: a misspelt
    // filter must not return every event.
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    // A request about one remediation (approve, reject, live view) logs every line,
    // the access log included, bound to it (lib/tracing/log-fields.ts).
    logController: new AccessLogController(),
    childLoggerFactory: (logger, bindings, options, rawReq) =>
      logger.child({ ...bindings, ...remediationOfUrl(rawReq.url) }, options),
  });
  // First, so every route below is traced: each request a span, continuing an
  // incoming traceparent; the gateway's is where an incident's trace begins.
  if (tracing()) await app.register(await fastifyTracing());
  installAccessLog(app);
  const metrics = createMetrics();
  installProblemHandlers(app);
  installJsonDepthLimit(app);
  installMetrics(app, metrics);
  if (opts.auditLog) auditLogMetrics(metrics.registry, opts.auditLog);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'kubernaut-temporal API',
        version: '1.0.0',
        description: 'Audit trail (Kubernaut Data Storage wire format), health and metrics.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  for (const s of sharedSchemas) app.addSchema(s);

  await app.register(authPlugin, {
    authenticators: [staticTokenAuthenticator(config.tokens), ...(config.authenticators ?? [])],
  });
  const stored =
    opts.writer ??
    createAuditWriter(pool, {
      hmacKey: config.hmacKey,
      onWritten: (n) => {
        metrics.auditEventsWritten.inc(n);
        opts.auditLog?.noteWritten(n);
      },
    });
  // Single writes that arrive while others are in PostgreSQL share one batch (note 8 of
  // docs/performance.md: most of a write's cost there is per statement, not per row).
  const inFlight = config.groupCommitInFlight ?? 2;
  const writer = instrumentAuditWriter(
    inFlight > 0 ? groupCommits(stored, { maxInFlight: inFlight }) : stored,
    metrics.registry,
  );

  await app.register(healthRoutes, { pool, temporal: opts.temporal, kubeConfig: opts.gateway?.kubeConfig });
  await app.register(auditWriteRoutes, {
    writer,
    maxBatchSize: config.maxBatchSize,
    auditLog: opts.auditLog,
  });
  await app.register(auditReadRoutes, { pool, hmacKey: config.hmacKey, metrics, auditLog: opts.auditLog });
  await app.register(auditLogRoutes, { pool });
  await app.register(auditExportRoutes, { pool, auditLog: opts.auditLog, hmacKey: config.hmacKey });
  await app.register(auditReconstructRoutes, { pool });
  await app.register(legalHoldRoutes, { pool, writer });
  await app.register(auditNotificationRoutes, { pool, writer });
  await app.register(effectivenessRoutes, { pool });
  await app.register(remediationHistoryRoutes, { pool });
  await app.register(shadowReportRoutes, { pool });
  if (opts.temporal) await app.register(remediationRoutes, { temporal: opts.temporal });
  if (opts.gateway) {
    const { kubeConfig, config: gw } = opts.gateway;
    const signals = {
      gateway: new Gateway(pool, kubeConfig, writer, gw),
      registry: metrics.registry,
      bodyLimit: gw.bodyLimit,
      maxAlerts: gw.maxAlerts,
    };
    await app.register(prometheusSignalRoutes, signals);
    await app.register(kubernetesEventSignalRoutes, signals);
  }
  return app;
}

/**
 * @fastify/otel, the Fastify project's own instrumentation, registered as a plugin
 * (not through the require hook, which ESM imports bypass). Probes and scrapes are
 * left out: they are not about any incident and would outnumber everything else.
 */
async function fastifyTracing() {
  const { FastifyOtelInstrumentation } = await import('@fastify/otel');
  const quiet = new Set(['/healthz', '/readyz', '/metrics']);
  return new FastifyOtelInstrumentation({
    registerOnInitialization: false,
    ignorePaths: (route) => quiet.has(route.url),
    // "POST /api/v1/signals/prometheus" rather than the plugin's bare "request".
    requestHook: (span, req) => span.updateName(`${req.method} ${req.routeOptions.url ?? req.url}`),
  }).plugin();
}

/** rr, namespace and workflowId of a /api/v1/remediation-requests/<namespace>/<name>… URL, else {}. */
function remediationOfUrl(url: string | undefined) {
  const m = /^\/api\/v1\/remediation-requests\/([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})(?:[/?]|$)/.exec(
    url ?? '',
  );
  return m ? { rr: m[2]!, namespace: m[1]!, workflowId: workflowIdFor(m[1]!, m[2]!) } : {};
}
