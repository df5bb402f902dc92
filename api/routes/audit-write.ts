/**
 * POST /api/v1/audit/events and /api/v1/audit/events/batch: Kubernaut's write API.
 * Both go through the one audit writer; a batch is all-or-nothing.
 *
 * Idempotent by content (lib/audit/idempotency.ts): an id stored with the same
 * content answers 201 "already stored" (201, not 200: Kubernaut's clients accept only
 * the status its OpenAPI declares, and a retry must not look like a failure to them),
 * with the additive `already_stored` / `duplicate_event_ids`; an id stored with other
 * content answers 409 problem+json naming it, and a batch holding one stores nothing.
 */
import type { FastifyInstance } from 'fastify';
import { AuditConflictError } from '../../lib/audit/idempotency.js';
import type { AuditLog } from '../../lib/audit/log-service.js';
import type { AuditEventInput, AuditWriter } from '../../lib/audit/types.js';
import { badRequest, eventIdConflict } from '../problems.js';
import { auditEventResponse, batchResponse, eventIdConflictProblem } from '../schemas/audit.js';
import { attributeToCaller, checkEvent } from './audit-event-checks.js';
import { checkpointJson } from './audit-log.js';

export interface AuditWriteRoutesOptions {
  writer: AuditWriter;
  maxBatchSize: number;
  /** When given, answers carry its latest signed checkpoint (additive field). */
  auditLog?: AuditLog;
}

export async function auditWriteRoutes(app: FastifyInstance, opts: AuditWriteRoutesOptions) {
  const writer = opts.writer;
  const auth = app.requireRole('writer');
  // The latest checkpoint issued: events are sequenced after commit, so this one
  // covers what was written before it; the next one (within the checkpoint
  // interval) covers this write. GET /audit/events/{id}/proof proves it then.
  const checkpoint = () => {
    const c = opts.auditLog?.latest();
    return c ? { checkpoint: checkpointJson(c) } : {};
  };

  app.post<{ Body: AuditEventInput }>(
    '/api/v1/audit/events',
    {
      preHandler: auth,
      schema: {
        summary: 'Write one audit event',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        body: { $ref: 'AuditEventRequest#' },
        response: { 201: auditEventResponse, 409: eventIdConflictProblem },
      },
    },
    async (req, reply) => {
      const errors = checkEvent(req.body, '');
      if (Object.keys(errors).length) throw badRequest('the audit event is invalid', errors);
      const event = attributeToCaller(req.body, req.identity!);
      const { event_ids, inserted } = await writer.write([event]);
      return reply.code(201).send({
        event_id: event_ids[0],
        event_timestamp: new Date(event.event_timestamp).toISOString(),
        message: inserted ? 'audit event created' : 'audit event already stored',
        already_stored: !inserted,
        ...checkpoint(),
      });
    },
  );

  app.post<{ Body: AuditEventInput[] }>(
    '/api/v1/audit/events/batch',
    {
      preHandler: auth,
      schema: {
        summary: `Write audit events atomically (1..${opts.maxBatchSize}); ids in input order`,
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        body: {
          type: 'array',
          minItems: 1,
          maxItems: opts.maxBatchSize,
          items: { $ref: 'AuditEventRequest#' },
        },
        response: { 201: batchResponse, 409: eventIdConflictProblem },
      },
    },
    async (req, reply) => {
      const errors = Object.assign({}, ...req.body.map((e, i) => checkEvent(e, `[${i}].`)));
      if (Object.keys(errors).length) throw badRequest('audit events in the batch are invalid', errors);
      const events = req.body.map((e) => attributeToCaller(e, req.identity!));
      const written = await writer.write(events).catch((err: unknown) => {
        if (!(err instanceof AuditConflictError)) throw err;
        // Name every place in the batch that carries a conflicting id.
        const lower = req.body.map((e) => e.event_id?.toLowerCase());
        throw eventIdConflict(err, (id) => lower.flatMap((x, i) => (x === id ? [`[${i}].event_id`] : [])));
      });
      const { event_ids, inserted, duplicate_event_ids } = written;
      return reply.code(201).send({
        event_ids,
        message: `${inserted} of ${events.length} audit events created; ${events.length - inserted} already stored`,
        duplicate_event_ids,
        ...checkpoint(),
      });
    },
  );
}
