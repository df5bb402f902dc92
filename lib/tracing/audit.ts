/**
 * The trace id in each audit row's event_data (`trace_id`), so an auditor can jump
 * from a row to the trace of the operation that wrote it (docs/tracing.md). Stamped
 * where the event is handed over, in the context of that operation — the gateway's
 * request, a workflow activity, a controller's reconcile — never later (the
 * gateway groups writes of several requests into one).
 *
 * Idempotence is untouched: a retried write carries the same event id (and runs
 * in the same trace), and the writer stores an id once. With tracing off the
 * events pass through as they are.
 */
import type { AuditEventInput, AuditWriter } from '../audit/types.js';
import { activeTraceId } from './context.js';
import { tracing } from './state.js';

export const TRACE_ID_FIELD = 'trace_id';

export function stampTraceId<E extends AuditEventInput>(events: E[]): E[] {
  if (!tracing()) return events;
  const traceId = activeTraceId();
  if (!traceId) return events;
  return events.map((e) =>
    e.event_data?.[TRACE_ID_FIELD] ? e : { ...e, event_data: { ...e.event_data, [TRACE_ID_FIELD]: traceId } },
  );
}

/** A writer that stamps each call's events with the caller's trace id. */
export function traceStampingWriter(writer: AuditWriter): AuditWriter {
  return { write: (events) => writer.write(stampTraceId(events)) };
}
