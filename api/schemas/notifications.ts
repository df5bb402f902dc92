/** Schemas of POST /api/v1/audit/notifications, as Kubernaut's NotificationAudit / NotificationAuditResponse. */
import { NOTIFICATION_STATUSES } from '../../lib/audit/notification-records.js';

const noControl = '^[^\\u0000-\\u001f\\u007f]+$';

const recordProperties = {
  remediation_id: {
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: noControl,
    description: 'The RemediationRequest name; the record joins its audit trail',
  },
  notification_id: {
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: noControl,
    description: 'Unique per record: a second record with the same id is refused (409)',
  },
  recipient: { type: 'string', minLength: 1, maxLength: 500 },
  channel: { type: 'string', enum: ['email', 'slack', 'pagerduty', 'teams', 'webhook'] },
  message_summary: { type: 'string', maxLength: 1000 },
  status: { type: 'string', enum: [...NOTIFICATION_STATUSES] },
  sent_at: { type: 'string', format: 'date-time' },
  delivery_status: { type: ['string', 'null'], maxLength: 255 },
  error_message: { type: ['string', 'null'], maxLength: 1000 },
  escalation_level: { type: 'integer', minimum: 0, maximum: 5 },
} as const;

const required = [
  'remediation_id',
  'notification_id',
  'recipient',
  'channel',
  'message_summary',
  'status',
  'sent_at',
] as const;

export const notificationAuditBody = {
  type: 'object',
  additionalProperties: false,
  required,
  properties: recordProperties,
} as const;

export const notificationAuditResponse = {
  type: 'object',
  required: [...required, 'id', 'created_at', 'updated_at'],
  properties: {
    id: {
      type: 'integer',
      description:
        "The record's position in its remediation's audit hash chain (records are audit events, keyed by event_id)",
    },
    event_id: { type: 'string', format: 'uuid', description: 'The audit event that holds the record' },
    ...recordProperties,
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;
