/**
 * Fastify's access-log lines with the request's `traceId` (docs/tracing.md#logs).
 *
 * Fastify writes "incoming request" before the first hook runs, that is before
 * @fastify/otel has started the request's span, so the line could not name the
 * trace. Here Fastify's own line is switched off (AccessLogController) and written
 * instead by an onRequest hook installed after the tracing plugin's, inside the span's
 * context; the hook also re-binds the request's and reply's loggers with the trace id,
 * so "request completed" / "request errored" (still Fastify's, written after the span
 * ended) and every other line of the request carry it. Messages and fields are
 * Fastify's (`req`), so log queries that filter on them keep working; with tracing off
 * the lines are exactly Fastify's.
 */
import { type FastifyInstance, LogController } from 'fastify';
import { activeTraceId } from '../lib/tracing/context.js';

/** Fastify's log controller, minus its "incoming request" line (the hook writes it). */
export class AccessLogController extends LogController {
  override incomingRequest(): void {}
}

export function installAccessLog(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const traceId = activeTraceId();
    if (traceId) {
      const log = request.log.child({ traceId });
      request.log = log;
      reply.log = log;
    }
    request.log.info({ req: request }, 'incoming request');
    done();
  });
}
