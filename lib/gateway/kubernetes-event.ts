/**
 * The Kubernetes event adapter: a core v1 Event becomes a Signal named after its
 * reason, targeting its involvedObject. Only Warning (and the non-standard Error)
 * events are remediated; Normal events are reported as rejected.
 */
import type { Signal } from './signal.js';

export interface KubernetesEvent {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string; uid?: string };
  type?: string;
  reason: string;
  message?: string;
  involvedObject: {
    apiVersion?: string;
    kind: string;
    name: string;
    namespace?: string;
    uid?: string;
    fieldPath?: string;
  };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
}

const SEVERITY: Record<string, string> = { Warning: 'warning', Error: 'critical' };

export function signalFromKubernetesEvent(event: KubernetesEvent, clusterId?: string): Signal {
  const obj = event.involvedObject;
  const when = event.firstTimestamp || event.eventTime || event.metadata?.creationTimestamp;
  const type = event.type ?? 'Normal';
  const signal: Signal = {
    source: 'kubernetes-events',
    signalType: 'kubernetes-event',
    name: event.reason,
    severity: SEVERITY[type] ?? 'unknown',
    labels: {
      reason: event.reason,
      event_type: type,
      kind: obj.kind,
      name: obj.name,
      ...(obj.namespace ? { namespace: obj.namespace } : {}),
      ...(event.source?.component ? { source_component: event.source.component } : {}),
    },
    annotations: event.message ? { message: event.message } : {},
    firingTime: new Date(when ?? Date.now()).toISOString(),
    clusterId: clusterId || undefined,
    target: {
      ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
      kind: obj.kind,
      name: obj.name,
      ...(obj.namespace ? { namespace: obj.namespace } : {}),
    },
    providerData: {
      event: { name: event.metadata?.name, namespace: event.metadata?.namespace, uid: event.metadata?.uid },
      involvedObjectUid: obj.uid,
      fieldPath: obj.fieldPath,
      count: event.count,
      lastTimestamp: event.lastTimestamp,
      reportingComponent: event.reportingComponent || event.source?.component,
    },
    originalPayload: event,
  };
  if (!(type in SEVERITY)) {
    signal.rejection = {
      reason: 'not-a-warning',
      message: `event type ${type} is informational; only Warning and Error events are remediated`,
    };
  }
  return signal;
}
