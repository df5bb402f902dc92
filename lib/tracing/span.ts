/**
 * Our own spans (launcher, controllers), made only when the SDK runs: with tracing
 * off `inSpan` calls the function and nothing else — no tracer lookup, no span
 * object, no context switch.
 */
import {
  type Attributes,
  type Context,
  context,
  type Link,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { TRACER_NAME, tracing } from './state.js';

export async function inSpan<T>(
  name: string,
  opts: { parent?: Context; attributes?: Attributes; kind?: SpanKind; links?: Link[] },
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracing()) return fn();
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(
    name,
    { attributes: opts.attributes, kind: opts.kind ?? SpanKind.INTERNAL, links: opts.links },
    opts.parent ?? context.active(),
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
