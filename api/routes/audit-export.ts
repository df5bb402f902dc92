/**
 * GET /api/v1/audit/export: Kubernaut's signed export, made verifiable offline. The
 * events of a correlation, a time range or a category, with the newest signed
 * checkpoint, each event's inclusion proof in it and an Ed25519 signed note over
 * the whole (lib/audit/export-format.ts); `kubernaut verify --export` checks it
 * with a trusted key and nothing else. Read-only.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildExport, NoCheckpointError } from '../../lib/audit/export-build.js';
import type { AuditLog } from '../../lib/audit/log-service.js';
import { badRequest, ProblemError } from '../problems.js';
import { exportQuery, exportResponse } from '../schemas/audit-export.js';

interface Query {
  start_time?: string;
  end_time?: string;
  correlation_id?: string;
  event_category?: string;
  include_detached_signature: boolean;
  offset: number;
  limit: number;
  redact_pii: boolean;
}

const unavailable = (detail: string) =>
  new ProblemError(503, 'audit/export-unavailable', 'Export Unavailable', detail);

export async function auditExportRoutes(
  app: FastifyInstance,
  opts: { pool: pg.Pool; auditLog?: AuditLog; hmacKey?: string },
) {
  app.get<{ Querystring: Query }>(
    '/api/v1/audit/export',
    {
      preHandler: app.requireRole('reader'),
      schema: {
        summary: 'Signed export of audit events, with the checkpoint and proofs to verify it offline',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        querystring: exportQuery,
        response: { 200: exportResponse },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.redact_pii) {
        throw badRequest(
          'redact_pii is not supported: a redacted event could not be verified against its leaf',
          {
            redact_pii: 'must be false',
          },
        );
      }
      if (q.start_time && q.end_time && Date.parse(q.start_time) > Date.parse(q.end_time)) {
        throw badRequest('start_time is after end_time', { start_time: 'must not be after end_time' });
      }
      const log = opts.auditLog;
      if (!log)
        throw unavailable('this API runs without the audit log (AUDIT_LOG=off): an export cannot be signed');
      try {
        const x = await buildExport(
          opts.pool,
          {
            correlation_id: q.correlation_id,
            start_time: q.start_time,
            end_time: q.end_time,
            event_category: q.event_category,
            offset: q.offset,
            limit: q.limit,
          },
          {
            signer: log.signer,
            hmacKey: opts.hmacKey,
            exportedBy: req.identity?.name,
            sequence: () => log.runOnce(),
          },
        );
        return q.include_detached_signature ? { ...x, detached_signature: x.signed_note } : x;
      } catch (err) {
        if (err instanceof NoCheckpointError) throw unavailable(`${err.message}; retry in a few seconds`);
        throw err;
      }
    },
  );
}
