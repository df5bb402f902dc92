/**
 * Starting an RR's workflow inside the RR's trace (docs/tracing.md). The gateway
 * wrote the trace context on the RR (annotation `kubernaut.ai/traceparent`); the
 * launcher's span `remediation.start` continues it, and Temporal's client
 * interceptor hands the context to the workflow in the start request's headers.
 * An RR made by someone else (kubectl) has none: its trace begins here, and the
 * launcher records it on the RR so everything later joins it.
 *
 * The launcher calls start on every change of an RR (idempotent, USE_EXISTING);
 * only its first sight of an RR, or a retry of a start that failed, is traced —
 * the others run with tracing suppressed, so status updates do not fill the trace
 * with no-op starts. With tracing off this is a plain call.
 */
import { type Context, context, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { KubeObject, KubeObjects } from '../activities/kube-objects.js';
import { isConflict, isNotFound } from '../lib/kube/client.js';
import { workflowIdFor } from '../lib/remediation-messages.js';
import { contextFromAnnotations, traceAnnotations } from '../lib/tracing/context.js';
import { inSpan } from '../lib/tracing/span.js';
import { tracing } from '../lib/tracing/state.js';

export async function inRemediationTrace<T>(
  objects: KubeObjects,
  rr: KubeObject,
  record: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracing()) return fn();
  if (!record) return context.with(suppressTracing(context.active()), fn);
  const { namespace = 'default', name } = rr.metadata;
  const parent = contextFromAnnotations(rr.metadata.annotations);
  return inSpan(
    'remediation.start',
    {
      parent,
      attributes: {
        'kubernaut.rr': name,
        'k8s.namespace.name': namespace,
        'temporal.workflow_id': workflowIdFor(namespace, name),
      },
    },
    async () => {
      // Best effort: a refused annotation (RBAC, a webhook) must not hold up the remediation.
      if (!parent) await recordTrace(objects, rr).catch((err) => trace.getActiveSpan()?.recordException(err));
      return fn();
    },
  );
}

/**
 * Writes the active span's context on an RR that has none. Idempotent and safe
 * against a second launcher doing the same: the patch is conditional on the
 * version read, and after a conflict an RR that has gained a context keeps it.
 */
async function recordTrace(objects: KubeObjects, rr: KubeObject): Promise<void> {
  const { namespace = 'default', name } = rr.metadata;
  let current: KubeObject | null = rr;
  for (let attempt = 0; attempt < 3 && current; attempt++) {
    if (contextFromAnnotations(current.metadata.annotations)) return;
    try {
      await objects.mergeMetadata(
        'remediationrequests',
        namespace,
        name,
        { annotations: traceAnnotations() },
        current.metadata.resourceVersion,
      );
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
      current = await objects.get('remediationrequests', namespace, name);
    }
  }
}

/** The context to signal an RR's workflow in: the child's (or RR's) recorded trace. */
export function traceContextOf(obj: KubeObject): Context | undefined {
  return tracing() ? contextFromAnnotations(obj.metadata.annotations) : undefined;
}
