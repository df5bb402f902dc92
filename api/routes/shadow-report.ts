/**
 * GET /api/v1/shadow-report: per workflow, how often shadow remediations would have
 * acted and how often a later signal or a person contradicted them
 * (lib/audit/shadow-report.ts; docs/policies.md). Readers only, like the other audit reads.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { shadowReport } from '../../lib/audit/shadow-report.js';
import { parseGoDuration } from '../../lib/history/duration.js';
import { badRequest } from '../problems.js';
import { parseTimeBound } from './audit-read.js';

interface Query {
  scope?: string;
  since?: string;
  until?: string;
  window?: string;
}

const stats = {
  type: 'object',
  properties: Object.fromEntries(
    [
      'decisions',
      'wouldAct',
      'wouldRequireApproval',
      'wouldWait',
      'contradicted',
      'contradictedBySignal',
      'contradictedByPerson',
      'open',
    ].map((k) => [k, { type: 'integer' }]),
  ),
};

const response = {
  type: 'object',
  required: ['since', 'until', 'window_ms', 'truncated', 'workflows'],
  properties: {
    scope: { type: ['string', 'null'] },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    window_ms: { type: 'integer' },
    truncated: { type: 'boolean' },
    workflows: {
      type: 'array',
      items: { ...stats, properties: { workflowId: { type: 'string' }, ...stats.properties } },
    },
  },
};

export async function shadowReportRoutes(app: FastifyInstance, opts: { pool: pg.Pool }) {
  app.get<{ Querystring: Query }>(
    '/api/v1/shadow-report',
    {
      preHandler: app.requireRole('reader'),
      schema: {
        summary: 'Shadow report: per workflow, how often shadows would have acted and were contradicted',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scope: { type: 'string', minLength: 1, maxLength: 63, description: 'Target namespace' },
            since: { type: 'string', description: 'RFC 3339 or relative (7d, 24h); default 7d' },
            until: { type: 'string', description: 'RFC 3339 or relative; default now' },
            window: {
              type: 'string',
              description: 'Go duration (1h, 30m): how long after a decision counts; default 1h',
            },
          },
        },
        response: { 200: response },
      },
    },
    async (req) => {
      const q = req.query;
      const now = Date.now();
      const since = parseTimeBound(q.since ?? '7d', 'since', now)!;
      const until = parseTimeBound(q.until, 'until', now) ?? new Date(now);
      if (since > until) throw badRequest('since is after until', { since: 'is after until' });
      const windowMs = parseGoDuration(q.window ?? '1h');
      if (!windowMs)
        throw badRequest(`window ${JSON.stringify(q.window)} is not a Go duration like 1h`, {
          window: 'expected a Go duration (30m, 1h, 24h)',
        });
      return shadowReport(opts.pool, { scope: q.scope, since, until, windowMs });
    },
  );
}
