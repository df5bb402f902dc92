/**
 * The worker's probe endpoint for Kubernetes (deploy/ points its liveness and
 * readiness probes here): GET /healthz answers while the process runs; GET /readyz
 * reports PostgreSQL, Temporal, Kubernetes and the worker's polling, each on its own,
 * 200 when all are ok and 503 otherwise; GET /metrics serves `metrics` (Prometheus
 * text, docs/metrics.md) on the same port, so one container port covers probes and
 * scraping. Plain node:http: three routes need no framework.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Readiness } from '../lib/health/readiness.js';

export async function startHealthServer(
  readiness: () => Promise<Readiness>,
  port: number,
  host = '0.0.0.0',
  metrics?: Registry,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, { error: 'only GET' });
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      void readiness().then(
        (r) => send(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not-ready', checks: r.checks }),
        (err) => send(503, { status: 'not-ready', error: (err as Error).message }),
      );
      return;
    }
    if (path === '/metrics' && metrics) {
      void metrics.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        },
        (err) => send(500, { error: (err as Error).message }),
      );
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
