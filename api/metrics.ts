/**
 * Prometheus metrics (prom-client) on a registry per app, so several apps in one
 * process (tests) do not collide: request count and latency by route, audit events
 * written, chain verifications by result. Served at GET /metrics.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  auditEventsWritten: Counter<string>;
  chainVerifications: Counter<'result'>;
}

export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    auditEventsWritten: new Counter({
      name: 'kubernaut_audit_events_written_total',
      help: 'Audit events inserted (replays of stored events are not counted)',
      registers: [registry],
    }),
    chainVerifications: new Counter({
      name: 'kubernaut_audit_chain_verifications_total',
      help: 'Hash-chain verifications by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

export function installMetrics(app: FastifyInstance, m: ApiMetrics) {
  const requests = new Counter({
    name: 'kubernaut_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [m.registry],
  });
  const latency = new Histogram({
    name: 'kubernaut_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [m.registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(m.registry.contentType).send(await m.registry.metrics()),
  );
}
