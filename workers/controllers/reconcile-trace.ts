/**
 * One reconcile of a child, as a span in its incident's trace and with a logger
 * bound to its remediation (docs/tracing.md). The parent span is the one written on
 * the child when it was made (the workflow's ensureChild activity), else the one
 * on its owning RR (a child someone else made); with tracing off there is no span
 * and only the logger is made.
 */
import { SpanKind } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { contextFromAnnotations, traceIdOf } from '../../lib/tracing/context.js';
import { remediationLogFields } from '../../lib/tracing/log-fields.js';
import { inSpan } from '../../lib/tracing/span.js';
import { tracing } from '../../lib/tracing/state.js';

/** The RR that owns a child: its controller owner reference, else the label the workflow sets. */
export function ownerName(obj: KubeObject): string | undefined {
  return (
    obj.metadata.ownerReferences?.find((r) => r.kind === 'RemediationRequest' && r.controller)?.name ??
    obj.metadata.labels?.['kubernaut.ai/remediation-request']
  );
}

export async function inReconcileTrace<T>(
  objects: KubeObjects,
  obj: KubeObject,
  logger: Logger,
  fn: (logger: Logger) => Promise<T>,
): Promise<T> {
  const namespace = obj.metadata.namespace ?? 'default';
  const rr = ownerName(obj);
  let annotations = obj.metadata.annotations;
  if (tracing() && rr && !contextFromAnnotations(annotations)) {
    annotations = (await objects.get('remediationrequests', namespace, rr))?.metadata.annotations;
  }
  const log = rr
    ? logger.child(
        remediationLogFields({ namespace, name: rr, workflowId: workflowIdFor(namespace, rr), annotations }),
      )
    : logger;
  if (!tracing()) return fn(log);
  return inSpan(
    `reconcile ${obj.kind}`,
    {
      parent: contextFromAnnotations(annotations),
      kind: SpanKind.CONSUMER,
      attributes: {
        'k8s.namespace.name': namespace,
        'kubernaut.kind': obj.kind ?? '',
        'kubernaut.object': obj.metadata.name,
        ...(rr ? { 'kubernaut.rr': rr } : {}),
        ...(traceIdOf(annotations) ? {} : { 'kubernaut.trace_origin': 'none recorded' }),
      },
    },
    () => fn(log),
  );
}
