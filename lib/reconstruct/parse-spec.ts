/**
 * The RR spec from the genesis event, gateway.signal.received.
 *
 * Our gateway puts the complete spec, exactly as created, in event_data.spec.
 * Kubernaut's gateway writes only its GatewayAuditPayload fields (signal_name,
 * fingerprint, resource_kind, …); for such rows the spec is rebuilt from those, and
 * validation reports what they cannot supply. A field of the wrong type is dropped
 * with a warning rather than trusted.
 */
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

export function specFromGenesis(f: Fields): PartialSpec {
  const spec = f.obj('spec');
  return spec ? specObject(new Fields(spec), f.dropped) : kubernautPayloadSpec(f);
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

/** Kubernaut's GatewayAuditPayload: what it has, under our field names. */
function kubernautPayloadSpec(f: Fields): PartialSpec {
  const kind = f.str('resource_kind');
  const name = f.str('resource_name');
  const namespace = f.str('namespace');
  const payload = f.data.original_payload;
  return clean({
    signalFingerprint: f.str('fingerprint'),
    signalName: f.str('signal_name'),
    severity: f.str('severity'),
    signalType: f.str('signal_type'),
    ...(kind && name ? { targetResource: clean({ kind, name, namespace }) } : {}),
    receivedTime: f.time('received_at'),
    signalLabels: f.stringMap('signal_labels'),
    signalAnnotations: f.stringMap('signal_annotations'),
    originalPayload: isObject(payload) ? JSON.stringify(payload) : undefined,
  }) as PartialSpec;
}

function clean<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
