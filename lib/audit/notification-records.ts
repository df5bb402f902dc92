/**
 * Notification delivery records (Kubernaut's NotificationAudit) kept as audit events:
 * one `notification.message.<status>` event per record in the remediation's trail,
 * so a record is hash-chained, retained, exported and put under legal hold like every
 * other event, and the notification controller and POST /api/v1/audit/notifications
 * store them the same way. Idempotent: the event id derives from the notification id,
 * so a retried write is recognised (the writer skips a stored id with the same content,
 * and refuses one with other content) and reported as a duplicate rather than stored twice.
 */
import { deterministicEventId } from './ids.js';
import type { AuditEventInput, AuditOutcome, AuditWriter } from './types.js';

export const NOTIFICATION_STATUSES = ['sent', 'failed', 'pending'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NotificationRecord {
  /** The RemediationRequest name: the record joins that remediation's trail. */
  remediation_id: string;
  notification_id: string;
  recipient: string;
  channel: string;
  message_summary: string;
  status: NotificationStatus;
  sent_at: string;
  delivery_status?: string | null;
  error_message?: string | null;
  escalation_level?: number;
}

const OUTCOME: Record<NotificationStatus, AuditOutcome> = {
  sent: 'success',
  failed: 'failure',
  pending: 'pending',
};

export const notificationEventId = (notificationId: string) =>
  deterministicEventId('notification-audit', notificationId);

export interface RecordOptions {
  actorType?: string;
  actorId?: string;
  namespace?: string;
  /** An id of the writer's own (the controller keys its attempts by NR uid, channel and attempt). */
  eventId?: string;
  /** More event_data fields the writer keeps beside the record's. */
  extra?: Record<string, unknown>;
  durationMs?: number;
  severity?: string;
  /** The NotificationRequest the record is about (default: the notification id). */
  resourceId?: string;
}

export function notificationRecordEvent(
  r: NotificationRecord,
  o: RecordOptions = {},
): AuditEventInput & { event_id: string } {
  const type = `notification.message.${r.status}`;
  return {
    event_id: o.eventId ?? notificationEventId(r.notification_id),
    version: '1.0',
    event_type: type,
    event_timestamp: new Date(r.sent_at).toISOString(),
    event_category: 'notification',
    event_action: r.status,
    event_outcome: OUTCOME[r.status],
    actor_type: o.actorType ?? 'service',
    actor_id: o.actorId ?? 'notification-controller',
    resource_type: 'NotificationRequest',
    resource_id: o.resourceId ?? r.notification_id,
    correlation_id: r.remediation_id,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    ...(o.durationMs !== undefined ? { duration_ms: o.durationMs } : {}),
    ...(o.severity ? { severity: o.severity } : {}),
    ...(r.error_message ? { error_message: r.error_message } : {}),
    event_data: {
      event_type: type,
      ...o.extra,
      remediation_id: r.remediation_id,
      notification_id: r.notification_id,
      recipient: r.recipient,
      channel: r.channel,
      message_summary: r.message_summary.slice(0, 1000),
      status: r.status,
      sent_at: r.sent_at,
      delivery_status: r.delivery_status ?? null,
      error_message: r.error_message ?? null,
      escalation_level: r.escalation_level ?? 0,
    },
  };
}

/** Stores the record; `created` is false when its event was stored before. */
export async function recordNotification(
  writer: AuditWriter,
  r: NotificationRecord,
  o: RecordOptions = {},
): Promise<{ created: boolean; eventId: string }> {
  const event = notificationRecordEvent(r, o);
  const { inserted } = await writer.write([event]);
  return { created: inserted > 0, eventId: event.event_id };
}
