/**
 * Legal holds (admin only): place, list, release. The caller's identity is what is
 * recorded as placed_by / released_by. A release needs a reason (Kubernaut's
 * release_reason) and is written to the audit trail (lib/audit/legal-hold.ts).
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { listLegalHolds, placeLegalHold, releaseLegalHold } from '../../lib/audit/legal-hold.js';
import type { AuditWriter } from '../../lib/audit/types.js';
import { notFound } from '../problems.js';

export async function legalHoldRoutes(app: FastifyInstance, opts: { pool: pg.Pool; writer: AuditWriter }) {
  const admin = app.requireRole('admin');
  const common = { tags: ['legal hold'], security: [{ bearerAuth: [] }] };

  app.post<{ Body: { correlation_id: string; reason: string } }>(
    '/api/v1/audit/legal-hold',
    {
      preHandler: admin,
      schema: {
        ...common,
        summary: 'Place a legal hold on every event of a correlation',
        body: {
          type: 'object',
          required: ['correlation_id', 'reason'],
          properties: {
            correlation_id: { type: 'string', minLength: 1, maxLength: 255 },
            reason: { type: 'string', minLength: 1, maxLength: 2000 },
          },
        },
        response: { 200: { $ref: 'LegalHold#' } },
      },
    },
    async (req) => {
      const hold = await placeLegalHold(opts.pool, {
        correlationId: req.body.correlation_id,
        reason: req.body.reason,
        placedBy: req.identity!.name,
      });
      if (!hold) throw notFound(`no audit events for correlation_id ${req.body.correlation_id}`);
      return hold;
    },
  );

  app.get(
    '/api/v1/audit/legal-hold',
    {
      preHandler: admin,
      schema: {
        ...common,
        summary: 'List active legal holds',
        response: {
          200: {
            type: 'object',
            properties: {
              holds: { type: 'array', items: { $ref: 'LegalHold#' } },
              total: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => {
      const holds = await listLegalHolds(opts.pool);
      return { holds, total: holds.length };
    },
  );

  app.delete<{ Params: { correlation_id: string }; Body: { release_reason: string } }>(
    '/api/v1/audit/legal-hold/:correlation_id',
    {
      preHandler: admin,
      schema: {
        ...common,
        summary: 'Release the legal hold of a correlation',
        params: {
          type: 'object',
          required: ['correlation_id'],
          properties: { correlation_id: { type: 'string', minLength: 1, maxLength: 255 } },
        },
        body: {
          type: 'object',
          required: ['release_reason'],
          additionalProperties: false,
          properties: { release_reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              correlation_id: { type: 'string' },
              events_released: { type: 'integer' },
              released_by: { type: 'string' },
              released_at: { type: 'string', format: 'date-time' },
              release_reason: { type: 'string' },
              event_id: { type: 'string', format: 'uuid' },
            },
          },
        },
      },
    },
    async (req) => {
      const released = await releaseLegalHold(opts.pool, opts.writer, {
        correlationId: req.params.correlation_id,
        releasedBy: req.identity!.name,
        reason: req.body.release_reason,
      });
      if (!released) throw notFound(`no legal hold on correlation_id ${req.params.correlation_id}`);
      return released;
    },
  );
}
