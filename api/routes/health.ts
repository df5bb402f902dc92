/**
 * GET /healthz (the process answers) and GET /readyz: each dependency the API uses —
 * PostgreSQL always, Temporal when approvals are served, Kubernetes when the gateway
 * is — checked on its own (lib/health/readiness.ts). 200 with every check, or a 503
 * problem whose `checks` member says which one is down.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import {
  type Check,
  kubernetesCheck,
  postgresCheck,
  readiness,
  temporalCheck,
} from '../../lib/health/readiness.js';
import { PROBLEM_BASE } from '../problems.js';

export interface HealthOptions {
  pool: pg.Pool;
  temporal?: Client;
  kubeConfig?: KubeConfig;
}

export async function healthRoutes(app: FastifyInstance, opts: HealthOptions) {
  const checks: Record<string, Check> = { postgres: postgresCheck(opts.pool) };
  if (opts.temporal) checks.temporal = temporalCheck(opts.temporal);
  if (opts.kubeConfig) checks.kubernetes = kubernetesCheck(opts.kubeConfig);

  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: PostgreSQL, and Temporal / Kubernetes where this API uses them, each reported',
      },
    },
    async (req, reply) => {
      const r = await readiness(checks);
      if (r.ready) return { status: 'ready', checks: r.checks };
      const down = Object.entries(r.checks)
        .filter(([, c]) => c.status === 'failed')
        .map(([name, c]) => `${name}: ${c.error}`);
      return reply
        .code(503)
        .type('application/problem+json')
        .send({
          type: `${PROBLEM_BASE}service-unavailable`,
          title: 'Service Unavailable',
          status: 503,
          detail: down.join('; '),
          instance: `${req.protocol}://${req.host || 'localhost'}${req.url.split('?')[0]}`,
          checks: r.checks,
        });
    },
  );
}
