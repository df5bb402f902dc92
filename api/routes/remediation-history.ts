/**
 * GET /api/v1/remediation-history/context: what was tried on a target, when, with
 * what effect (Kubernaut's Data Storage contract; lib/history computes it from the
 * audit rows). Readers only, like the other audit reads.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { parseGoDuration } from '../../lib/history/duration.js';
import { historyTarget, remediationHistory } from '../../lib/history/query.js';
import { ProblemError } from '../problems.js';
import { historyQuery, historyResponse } from '../schemas/remediation-history.js';

interface Query {
  targetKind: string;
  targetName: string;
  targetNamespace: string;
  currentSpecHash: string;
  tier1Window: string;
  tier2Window: string;
  clusterId?: string;
}

const invalid = (param: string, detail: string) =>
  new ProblemError(400, 'remediation-history/invalid-parameter', 'Invalid Parameter', detail, {
    [param]: detail,
  });

export async function remediationHistoryRoutes(app: FastifyInstance, opts: { pool: pg.Pool }) {
  app.get<{ Querystring: Query }>(
    '/api/v1/remediation-history/context',
    {
      preHandler: app.requireRole('reader'),
      schema: {
        summary: 'Remediation history of a target: what was tried, when, with what effect',
        tags: ['remediation-history'],
        security: [{ bearerAuth: [] }],
        querystring: historyQuery,
        response: { 200: historyResponse },
      },
    },
    async (req) => {
      const q = req.query;
      const tier1Ms = parseGoDuration(q.tier1Window);
      if (!tier1Ms)
        throw invalid(
          'tier1Window',
          `tier1Window ${JSON.stringify(q.tier1Window)} is not a Go duration like 24h`,
        );
      const tier2Ms = parseGoDuration(q.tier2Window);
      if (!tier2Ms)
        throw invalid(
          'tier2Window',
          `tier2Window ${JSON.stringify(q.tier2Window)} is not a Go duration like 2160h`,
        );
      if (tier2Ms < tier1Ms) throw invalid('tier2Window', 'tier2Window must not be shorter than tier1Window');
      return remediationHistory(opts.pool, {
        target: historyTarget({
          kind: q.targetKind,
          name: q.targetName,
          namespace: q.targetNamespace || undefined,
        }),
        currentSpecHash: q.currentSpecHash,
        tier1Window: q.tier1Window,
        tier1Ms,
        tier2Window: q.tier2Window,
        tier2Ms,
        ...(q.clusterId ? { clusterId: q.clusterId } : {}),
      });
    },
  );
}
