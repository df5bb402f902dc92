/**
 * POST /api/v1/audit/notifications: a notification delivery record (Kubernaut's
 * NotificationAudit), stored as an audit event in the remediation's trail through the
 * one writer (lib/audit/notification-records.ts). 201 with the record, 400 for a bad
 * one, 409 when a record with that notification_id exists (the write is idempotent:
 * a retry changes nothing and is told so).
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { AuditConflictError } from '../../lib/audit/idempotency.js';
import { type NotificationRecord, recordNotification } from '../../lib/audit/notification-records.js';
import type { AuditWriter } from '../../lib/audit/types.js';
import { ProblemError } from '../problems.js';
import { notificationAuditBody, notificationAuditResponse } from '../schemas/notifications.js';

export async function auditNotificationRoutes(
  app: FastifyInstance,
  opts: { pool: pg.Pool; writer: AuditWriter },
) {
  app.post<{ Body: NotificationRecord }>(
    '/api/v1/audit/notifications',
    {
      preHandler: app.requireRole('writer'),
      schema: {
        summary: 'Record a notification delivery attempt',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        body: notificationAuditBody,
        response: { 201: notificationAuditResponse },
      },
    },
    async (req, reply) => {
      const r = req.body;
      const identity = req.identity!;
      // The same notification_id with other content is a conflict as well (the writer
      // refuses it): Kubernaut answers both with this 409.
      const written = await recordNotification(opts.writer, r, {
        actorType: identity.kind,
        actorId: identity.name,
      }).catch((err: unknown) => {
        if (err instanceof AuditConflictError) return { created: false, eventId: '' };
        throw err;
      });
      const { created, eventId } = written;
      if (!created) {
        throw new ProblemError(
          409,
          'conflict',
          'Resource Conflict',
          `notification_audit already exists with notification_id '${r.notification_id}'`,
        );
      }
      const { rows } = await opts.pool.query<{ chain_position: string }>(
        'SELECT chain_position FROM audit_events WHERE event_id = $1',
        [eventId],
      );
      const now = new Date().toISOString();
      return reply.code(201).send({
        id: Number(rows[0]?.chain_position ?? 0),
        event_id: eventId,
        ...r,
        escalation_level: r.escalation_level ?? 0,
        created_at: now,
        updated_at: now,
      });
    },
  );
}
