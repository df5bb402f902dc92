/**
 * The Alertmanager adapter: a webhook v4 payload becomes one Signal per alert.
 * Labels and annotations are the alert's over the group's common ones; the target
 * is the first resource label found (see LABEL_KINDS), in `exported_namespace`
 * (kube-state-metrics relabels the original there) or `namespace`.
 */
import type { TargetResource } from '../remediation-request.js';
import type { Signal } from './signal.js';
import { LABEL_KINDS } from './target-kinds.js';

export interface AlertmanagerAlert {
  status?: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

export interface AlertmanagerPayload {
  version?: string;
  groupKey?: string;
  truncatedAlerts?: number;
  status?: string;
  receiver?: string;
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  externalURL?: string;
  alerts: AlertmanagerAlert[];
}

export function targetFromLabels(labels: Record<string, string>): TargetResource | null {
  const namespace = labels.exported_namespace || labels.namespace || undefined;
  for (const [label, info] of LABEL_KINDS) {
    const name = labels[label];
    if (!name) continue;
    return {
      apiVersion: info.apiVersion,
      kind: info.kind,
      name,
      ...(info.clusterScoped ? {} : { namespace }),
    };
  }
  // Only a namespace: the namespace itself is what is alerting.
  if (namespace) return { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  return null;
}

export function signalsFromAlertmanager(payload: AlertmanagerPayload, defaultClusterId?: string): Signal[] {
  return payload.alerts.map((alert) => {
    const labels = { ...payload.commonLabels, ...alert.labels };
    const annotations = { ...payload.commonAnnotations, ...alert.annotations };
    // An alert's own status wins; a payload without per-alert status uses the group's.
    const status = alert.status ?? (payload.status === 'resolved' ? 'resolved' : 'firing');
    const signal: Signal = {
      source: 'prometheus',
      signalType: 'alert',
      name: labels.alertname ?? '',
      severity: labels.severity || 'unknown',
      labels,
      annotations,
      firingTime: new Date(alert.startsAt).toISOString(),
      clusterId: labels.cluster || defaultClusterId || undefined,
      target: targetFromLabels(labels),
      providerData: {
        receiver: payload.receiver,
        groupKey: payload.groupKey,
        externalURL: payload.externalURL,
        generatorURL: alert.generatorURL,
        alertmanagerFingerprint: alert.fingerprint,
        status,
      },
      originalPayload: alert,
    };
    if (status === 'resolved') {
      signal.rejection = {
        reason: 'resolved',
        message: 'the alert is resolved; resolved alerts do not create remediations',
      };
    }
    return signal;
  });
}
