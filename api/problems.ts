/**
 * RFC 7807 problem details for every error the API returns, and the error handler
 * that turns Fastify's and PostgreSQL's errors into them. Bad input is always a 4xx
 * problem; PostgreSQL unreachable is a 503 (retry later); only genuine faults become
 * 500, without internals in the body.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuditConflictError } from '../lib/audit/idempotency.js';
import { InvalidCursorError } from '../lib/audit/query.js';
import { AuditInputError } from '../lib/audit/rows.js';
import { isDatabaseUnavailable } from '../lib/db.js';

export const PROBLEM_BASE = 'https://kubernaut.ai/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  field_errors?: Record<string, string>;
  /** Extension members (RFC 7807 §3.2), e.g. conflicting_event_ids. */
  [extension: string]: unknown;
}

/** Throw from a handler to answer with a problem. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly fieldErrors?: Record<string, string>,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, fieldErrors?: Record<string, string>) =>
  new ProblemError(400, 'validation-error', 'Validation Error', detail, fieldErrors);
export const notFound = (detail: string) => new ProblemError(404, 'not-found', 'Not Found', detail);

/**
 * 409: event ids stored (or repeated in the batch) with other content; nothing was
 * stored. `fieldOf` names the request field of an id (`event_id`, `[3].event_id`).
 */
export function eventIdConflict(
  err: AuditConflictError,
  fieldOf: (id: string) => string[] = () => ['event_id'],
) {
  const fieldErrors: Record<string, string> = {};
  for (const c of err.conflicts) {
    for (const f of fieldOf(c.event_id)) {
      fieldErrors[f] = `event ${c.event_id} is stored with different ${c.fields.join(', ')}`;
    }
  }
  return new ProblemError(
    409,
    'audit/event-id-conflict',
    'Event ID Conflict',
    `${err.message}; an event id names one event: nothing was stored`,
    fieldErrors,
    { conflicting_event_ids: err.conflicts.map((c) => c.event_id) },
  );
}

/** An absolute URI for this occurrence (the request URL without its query). */
function instanceOf(req: FastifyRequest): string {
  const path = req.url.split('?')[0] ?? '/';
  return `${req.protocol}://${req.host || 'localhost'}${path}`;
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, p: ProblemError) {
  const body: Problem = {
    type: PROBLEM_BASE + p.slug,
    title: p.title,
    status: p.status,
    detail: p.message,
    instance: instanceOf(req),
    ...(p.fieldErrors ? { field_errors: p.fieldErrors } : {}),
    ...p.extensions,
  };
  return reply.code(p.status).type('application/problem+json').send(body);
}

const STATUS_PROBLEMS: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad Request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not Found'],
  405: ['method-not-allowed', 'Method Not Allowed'],
  406: ['not-acceptable', 'Not Acceptable'],
  413: ['payload-too-large', 'Payload Too Large'],
  415: ['unsupported-media-type', 'Unsupported Media Type'],
  429: ['too-many-requests', 'Too Many Requests'],
};

function toProblem(err: FastifyError & { code?: string }): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err.validation) {
    const fields: Record<string, string> = {};
    for (const v of err.validation) {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const path = `${v.instancePath}${missing ? `/${missing}` : ''}`.replace(/^\//, '').replaceAll('/', '.');
      fields[path || (err.validationContext ?? 'body')] = v.message ?? 'is invalid';
    }
    return badRequest(
      `${err.validationContext ?? 'request'} ${err.message.replace(/^\w+\/?/, '')}`.trim(),
      fields,
    );
  }
  if (err instanceof AuditConflictError) return eventIdConflict(err);
  if (err instanceof AuditInputError) return badRequest(err.message, { [err.field]: err.message });
  if (err instanceof InvalidCursorError) return badRequest(err.message, { cursor: err.message });
  // PostgreSQL data exceptions (class 22: bad text encoding, NUL bytes, out-of-range numbers) are bad input.
  if (typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code)) {
    return badRequest(`the database refused a value: ${err.message}`);
  }
  if (isDatabaseUnavailable(err)) {
    return new ProblemError(
      503,
      'service-unavailable',
      'Service Unavailable',
      'PostgreSQL cannot be reached now; retry later',
    );
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const [slug, title] = STATUS_PROBLEMS[status] ?? ['bad-request', 'Bad Request'];
    return new ProblemError(status, slug, title, err.message);
  }
  return new ProblemError(
    500,
    'internal-error',
    'Internal Server Error',
    'the server failed to handle the request',
  );
}

export function installProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const p = toProblem(err);
    if (p.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ err: { message: err.message, code: err.code } }, 'request rejected');
    return sendProblem(req, reply, p);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(req, reply, notFound(`no route for ${req.method} ${req.url.split('?')[0]}`)),
  );
}
