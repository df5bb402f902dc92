/**
 * The RR spec from the genesis event, gateway.signal.received.
 *
 * Our gateway puts the complete spec, exactly as created, in event_data.spec.
 * Kubernaut's gateway writes only its GatewayAuditPayload fields (signal_name,
 * fingerprint, resource_kind, …); for such rows the spec is rebuilt from those, and
 * validation reports what they cannot supply. A field of the wrong type is dropped
 * with a warning rather than trusted.
 */

import type { StoredAuditEvent } from '../audit/types.js';
import type { RemediationRequestSpec } from '../remediation-request.js';
import { Fields, isObject } from './fields.js';

export type PartialSpec = Partial<RemediationRequestSpec>;

const STRING_FIELDS = [
  'signalFingerprint',
  'signalName',
  'severity',
  'signalType',
  'signalSource',
  'targetType',
  'clusterID',
  'providerData',
  'originalPayload',
] as const;
const TIME_FIELDS = ['firingTime', 'receivedTime'] as const;
const MAP_FIELDS = ['signalLabels', 'signalAnnotations'] as const;

export interface GenesisSpec {
  spec: PartialSpec;
  /** Fields computed rather than carried by the event. */
  derived: string[];
}

export function specFromGenesis(f: Fields, row: StoredAuditEvent): GenesisSpec {
  const spec = f.obj('spec');
  return spec ? { spec: specObject(new Fields(spec), f.dropped), derived: [] } : kubernautPayloadSpec(f, row);
}

/** Our gateway's contract: the spec object as created. */
function specObject(s: Fields, dropped: string[]): PartialSpec {
  const out: Record<string, unknown> = {};
  for (const k of STRING_FIELDS) out[k] = s.str(k);
  for (const k of TIME_FIELDS) out[k] = s.time(k);
  for (const k of MAP_FIELDS) out[k] = s.stringMap(k);
  const t = s.obj('targetResource');
  if (t) {
    const tr = new Fields(t);
    out.targetResource = clean({
      apiVersion: tr.str('apiVersion'),
      kind: tr.str('kind'),
      name: tr.str('name'),
      namespace: tr.str('namespace'),
    });
    dropped.push(...tr.dropped.map((d) => d.replace('event_data.', 'event_data.spec.targetResource.')));
  }
  dropped.push(...s.dropped.map((d) => d.replace('event_data.', 'event_data.spec.')));
  return clean(out) as PartialSpec;
}

/**
 * When the signal started firing, from the original payload: an Alertmanager alert's
 * startsAt, a Kubernetes Event's firstTimestamp / eventTime.
 */
function firingTimeOf(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  const alerts = Array.isArray(payload.alerts) ? payload.alerts : [];
  for (const candidate of [payload, alerts[0]]) {
    if (!isObject(candidate)) continue;
    for (const k of ['startsAt', 'firstTimestamp', 'eventTime', 'lastTimestamp']) {
      const v = candidate[k];
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v)) && !v.startsWith('0001-')) return v;
    }
  }
  return undefined;
}

/**
 * Kubernaut's GatewayAuditPayload: what it has, under our field names. Its gateway
 * creates only Kubernetes RRs (targetType "kubernetes") and writes the event when the
 * signal arrives (the event time is the received time); the firing time is the
 * original payload's, else the received time, which the reader is told.
 */
function kubernautPayloadSpec(f: Fields, row: StoredAuditEvent): GenesisSpec {
  const kind = f.str('resource_kind');
  const name = f.str('resource_name');
  const namespace = f.str('namespace');
  const payload = f.data.original_payload;
  const firing = firingTimeOf(payload);
  const severity = f.str('severity') ?? (row.severity || undefined);
  const derived = ['targetType', ...(firing ? [] : ['firingTime'])];
  if (!f.str('severity') && severity) derived.push('severity');
  const received = f.time('received_at') ?? row.event_timestamp;
  if (!f.time('received_at')) derived.push('receivedTime');
  return {
    spec: clean({
      signalFingerprint: f.str('fingerprint'),
      signalName: f.str('signal_name'),
      severity,
      signalType: f.str('signal_type'),
      targetType: 'kubernetes',
      ...(kind && name ? { targetResource: clean({ kind, name, namespace }) } : {}),
      firingTime: firing ?? received,
      receivedTime: received,
      signalLabels: f.stringMap('signal_labels'),
      signalAnnotations: f.stringMap('signal_annotations'),
      originalPayload: isObject(payload) ? JSON.stringify(payload) : undefined,
    }) as PartialSpec,
    derived,
  };
}

function clean<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
