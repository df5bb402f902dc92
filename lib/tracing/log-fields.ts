/**
 * The fields every log line about a remediation carries (docs/tracing.md), so one
 * filter finds the lines of one incident in any process and a line leads to its
 * trace: `rr` (the RemediationRequest's name), `namespace`, `workflowId` (the
 * Temporal workflow, rr/<namespace>/<name>) and `traceId` (when tracing is on: the
 * trace recorded on the object, else the active span's). Used as pino child-logger
 * bindings: `logger.child(remediationLogFields(...))`.
 */
import type { Logger } from 'pino';
import { activeTraceId, traceIdOf } from './context.js';

export interface RemediationLogFields {
  rr: string;
  namespace: string;
  workflowId: string;
  traceId?: string;
}

export function remediationLogFields(rr: {
  namespace: string;
  name: string;
  workflowId: string;
  annotations?: Record<string, string>;
}): RemediationLogFields {
  const traceId = traceIdOf(rr.annotations) ?? activeTraceId();
  return {
    rr: rr.name,
    namespace: rr.namespace,
    workflowId: rr.workflowId,
    ...(traceId ? { traceId } : {}),
  };
}

/**
 * pino's `mixin` for every root logger of the API and the worker: the active span's
 * trace id on each line whose bindings do not already name the incident's trace —
 * Fastify's access-log lines (bound before any span exists) and the Temporal SDK's
 * lines. Costs nothing with tracing off (no span is recording).
 */
export function traceIdMixin(_merge: object, _level: number, logger?: Logger): Record<string, string> {
  const traceId = activeTraceId();
  if (!traceId || logger?.bindings().traceId !== undefined) return {};
  return { traceId };
}
