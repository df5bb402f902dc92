/**
 * JSON schemas of the signal routes: they validate payloads (malformed → 400 before
 * any handler runs), shape responses, and document the routes at /docs. Written for
 * this project from Alertmanager's webhook v4 and the core v1 Event shapes; extra
 * fields are allowed, as senders add them over time.
 */
const stringMap = { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 200 } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

const alert = {
  type: 'object',
  required: ['labels', 'startsAt'],
  properties: {
    status: { type: 'string', enum: ['firing', 'resolved'] },
    labels: {
      ...stringMap,
      required: ['alertname'],
      properties: { alertname: { type: 'string', minLength: 1, maxLength: 253 } },
    },
    annotations: stringMap,
    startsAt: time,
    endsAt: time,
    generatorURL: { type: 'string' },
    fingerprint: { type: 'string' },
  },
} as const;

export const alertmanagerPayload = (maxAlerts: number) =>
  ({
    type: 'object',
    required: ['alerts'],
    properties: {
      version: { type: 'string' },
      groupKey: { type: 'string' },
      truncatedAlerts: { type: 'integer', minimum: 0 },
      status: { type: 'string', enum: ['firing', 'resolved'] },
      receiver: { type: 'string' },
      groupLabels: stringMap,
      commonLabels: stringMap,
      commonAnnotations: stringMap,
      externalURL: { type: 'string' },
      alerts: { type: 'array', minItems: 1, maxItems: maxAlerts, items: alert },
    },
  }) as const;

export const kubernetesEvent = {
  type: 'object',
  required: ['reason', 'involvedObject'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        namespace: { type: 'string' },
        uid: { type: 'string' },
        creationTimestamp: time,
      },
    },
    type: { type: 'string', maxLength: 63 },
    reason: { type: 'string', minLength: 1, maxLength: 253 },
    message: { type: 'string' },
    involvedObject: {
      type: 'object',
      required: ['kind', 'name'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string', minLength: 1 },
        name: { type: 'string', minLength: 1 },
        namespace: { type: 'string' },
        uid: { type: 'string' },
        fieldPath: { type: 'string' },
      },
    },
    source: { type: 'object', properties: { component: { type: 'string' }, host: { type: 'string' } } },
    reportingComponent: { type: 'string' },
    reportingInstance: { type: 'string' },
    firstTimestamp: nullableTime,
    lastTimestamp: nullableTime,
    eventTime: nullableTime,
    count: { type: 'integer', minimum: 0 },
  },
} as const;

const resultSchema = {
  type: 'object',
  properties: {
    index: { type: 'integer' },
    outcome: { type: 'string', enum: ['created', 'deduplicated', 'rejected'] },
    signalName: { type: 'string' },
    reason: { type: 'string' },
    message: { type: 'string' },
    fingerprint: { type: 'string' },
    remediationRequest: {
      type: 'object',
      properties: { name: { type: 'string' }, namespace: { type: 'string' } },
    },
    target: {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        name: { type: 'string' },
        namespace: { type: 'string' },
      },
    },
    ownerResolution: { type: 'string', enum: ['resolved', 'fallback-not-found'] },
    occurrenceCount: { type: 'integer' },
  },
} as const;

export const signalResponse = {
  type: 'object',
  properties: {
    results: { type: 'array', items: resultSchema },
    summary: {
      type: 'object',
      properties: {
        created: { type: 'integer' },
        deduplicated: { type: 'integer' },
        rejected: { type: 'integer' },
      },
    },
  },
} as const;
