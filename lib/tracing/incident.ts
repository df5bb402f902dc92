/**
 * Work on a running remediation that arrives as its own request — an approval from
 * the API or the CLI — joins the incident's trace rather than starting one: the
 * launcher keeps the incident's traceparent in the run's memo, and the work runs
 * in a span under it, linked to the request's own span (so both traces lead to
 * each other). With tracing off, or a run started without one, it is a plain call.
 */
import { trace } from '@opentelemetry/api';
import { contextFromAnnotations, TRACEPARENT_ANNOTATION } from './context.js';
import { inSpan } from './span.js';
import { tracing } from './state.js';

/** Memo key of the incident's traceparent on a remediation's run. */
export const TRACEPARENT_MEMO = 'traceparent';

export async function inIncidentTrace<T>(
  describe: () => Promise<{ memo?: Record<string, unknown> }>,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracing()) return fn();
  const memo = (await describe().catch(() => undefined))?.memo;
  const traceparent = memo?.[TRACEPARENT_MEMO];
  const parent =
    typeof traceparent === 'string'
      ? contextFromAnnotations({ [TRACEPARENT_ANNOTATION]: traceparent })
      : undefined;
  if (!parent) return fn();
  const request = trace.getActiveSpan()?.spanContext();
  return inSpan(name, { parent, links: request ? [{ context: request }] : [] }, fn);
}
