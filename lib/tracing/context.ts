/**
 * The trace context of an incident, carried on Kubernetes objects as annotations
 * so every process that later touches the RR or one of its children joins the
 * same trace:
 *
 * - `kubernaut.ai/traceparent`: the W3C traceparent of the span that made the
 *   object (the gateway's request for an RR, the ensureChild activity for a child).
 *   Readers start their spans as its children.
 * - `kubernaut.ai/trace-id`: the trace id alone, so `kubectl get rr -o yaml` (and
 *   an auditor) can paste it into the trace backend's search.
 *
 * Annotations, not CRD fields: additive under Kubernaut's schemas and writable at
 * create time by anyone who makes an RR.
 */
import { type Context, context, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { tracing } from './state.js';

export const TRACEPARENT_ANNOTATION = 'kubernaut.ai/traceparent';
export const TRACE_ID_ANNOTATION = 'kubernaut.ai/trace-id';

// Explicit rather than the global propagator: what we write on objects is always W3C.
const w3c = new W3CTraceContextPropagator();

/** The annotations naming the active span, or {} when no span is recording (tracing off). */
export function traceAnnotations(ctx?: Context): Record<string, string> {
  if (!tracing()) return {};
  ctx ??= context.active();
  const span = trace.getSpan(ctx);
  if (!span?.isRecording()) return {};
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, {
    set: (c, k, v) => {
      c[k] = v;
    },
  });
  if (!carrier.traceparent) return {};
  return { [TRACEPARENT_ANNOTATION]: carrier.traceparent, [TRACE_ID_ANNOTATION]: span.spanContext().traceId };
}

/** A context whose parent is the span named by the annotations, or undefined if none is. */
export function contextFromAnnotations(annotations: Record<string, string> | undefined): Context | undefined {
  const traceparent = annotations?.[TRACEPARENT_ANNOTATION];
  if (!traceparent) return undefined;
  const ctx = w3c.extract(
    ROOT_CONTEXT,
    { traceparent },
    { get: (c, k) => c[k], keys: (c) => Object.keys(c) },
  );
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

/** The trace id recorded on an object, if any. */
export function traceIdOf(annotations: Record<string, string> | undefined): string | undefined {
  const id = annotations?.[TRACE_ID_ANNOTATION];
  if (id) return id;
  const traceparent = annotations?.[TRACEPARENT_ANNOTATION];
  return traceparent && contextFromAnnotations(annotations) ? traceparent.split('-')[1] : undefined;
}

/** The trace id of the active span, when one is recording. */
export function activeTraceId(): string | undefined {
  if (!tracing()) return undefined;
  const span: Span | undefined = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
