/**
 * GET /api/v1/effectiveness/{correlation_id}: the weighted effectiveness score of a
 * remediation, computed on demand from its effectiveness audit events
 * (lib/effectiveness/score.ts). Read-only, so any reader may ask.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { loadEffectivenessEvents } from '../../lib/effectiveness/query.js';
import { effectivenessScore } from '../../lib/effectiveness/score.js';
import { ProblemError } from '../problems.js';
import { effectivenessParams, effectivenessResponse } from '../schemas/effectiveness.js';

export async function effectivenessRoutes(app: FastifyInstance, opts: { pool: pg.Pool }) {
  app.get<{ Params: { correlation_id: string } }>(
    '/api/v1/effectiveness/:correlation_id',
    {
      preHandler: app.requireRole('reader'),
      schema: {
        summary: 'The weighted effectiveness score of a remediation, from its assessment events',
        tags: ['effectiveness'],
        security: [{ bearerAuth: [] }],
        params: effectivenessParams,
        response: { 200: effectivenessResponse },
      },
    },
    async (req) => {
      const id = req.params.correlation_id;
      const events = await loadEffectivenessEvents(opts.pool, id);
      if (events.length === 0) {
        // Kubernaut's problem type for the same answer, so its clients recognise it.
        throw new ProblemError(
          404,
          'effectiveness/not-found',
          'Effectiveness Assessment Not Found',
          `No effectiveness assessment events found for correlation_id: ${id}`,
        );
      }
      return effectivenessScore(id, events);
    },
  );
}
