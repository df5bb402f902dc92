/**
 * The gateway's audit events. Ids are deterministic (deterministicEventId) and every
 * field comes from the RR as stored, so whichever request writes them — the one that
 * created the RR or one that found it after a crash — writes the same rows, and a
 * retry is a no-op. gateway.signal.received carries the complete spec: it is the
 * genesis event the reconstruction rebuilds the RR from.
 */

import { deterministicEventId } from '../audit/ids.js';
import type { AuditEventInput } from '../audit/types.js';
import type { KubeObject } from '../kube/object.js';
import type { RemediationRequestSpec } from '../remediation-request.js';
import type { Deduplication } from './deduplication.js';

const ACTOR = { actor_type: 'service', actor_id: 'gateway' } as const;

function envelope(rr: KubeObject, type: string, action: string, timestamp: string, id: string) {
  const spec = rr.spec as unknown as RemediationRequestSpec;
  return {
    event_id: id,
    version: '1.0',
    event_type: type,
    event_timestamp: timestamp,
    event_category: 'gateway',
    event_action: action,
    event_outcome: 'success' as const,
    ...ACTOR,
    resource_type: 'RemediationRequest',
    resource_id: rr.metadata.name,
    correlation_id: rr.metadata.name,
    namespace: rr.metadata.namespace,
    ...(spec.clusterID ? { cluster_id: spec.clusterID } : {}),
    severity: spec.severity,
  };
}

/** Kubernaut's GatewayAuditPayload fields, so its readers understand ours. */
function kubernautFields(rr: KubeObject) {
  const spec = rr.spec as unknown as RemediationRequestSpec;
  return {
    // Kubernaut normalises every adapter to "alert"; spec.signalType keeps ours.
    signal_type: 'alert',
    signal_name: spec.signalName,
    namespace: spec.targetResource.namespace ?? '',
    fingerprint: spec.signalFingerprint,
    severity: spec.severity,
    resource_kind: spec.targetResource.kind,
    resource_name: spec.targetResource.name,
    remediation_request: `${rr.metadata.namespace}/${rr.metadata.name}`,
  };
}

export function signalReceivedEvent(rr: KubeObject, submittedBy: string): AuditEventInput {
  const spec = rr.spec as unknown as RemediationRequestSpec;
  return {
    ...envelope(
      rr,
      'gateway.signal.received',
      'received',
      spec.receivedTime,
      deterministicEventId('gateway', rr.metadata.name, 'received'),
    ),
    event_data: {
      event_type: 'gateway.signal.received',
      ...kubernautFields(rr),
      deduplication_status: 'new',
      rr_name: rr.metadata.name,
      rr_namespace: rr.metadata.namespace,
      received_at: spec.receivedTime,
      submitted_by: submittedBy,
      spec,
    },
  };
}

export function crdCreatedEvent(rr: KubeObject): AuditEventInput {
  const created = (rr.metadata as { creationTimestamp?: string }).creationTimestamp;
  const spec = rr.spec as unknown as RemediationRequestSpec;
  return {
    ...envelope(
      rr,
      'gateway.crd.created',
      'created',
      // creationTimestamp has whole seconds; never date the creation before the receipt.
      created && Date.parse(created) > Date.parse(spec.receivedTime) ? created : spec.receivedTime,
      deterministicEventId('gateway', rr.metadata.name, 'created'),
    ),
    event_data: {
      event_type: 'gateway.crd.created',
      ...kubernautFields(rr),
      rr_name: rr.metadata.name,
      rr_namespace: rr.metadata.namespace,
      uid: rr.metadata.uid,
    },
  };
}

/** One per counted occurrence; the occurrence number makes the id (a replay of it is a no-op). */
export function signalDeduplicatedEvent(
  rr: KubeObject,
  occurrence: number,
  dedup: Deduplication,
  receivedAt: string,
  submittedBy: string,
): AuditEventInput {
  return {
    ...envelope(
      rr,
      'gateway.signal.deduplicated',
      'deduplicated',
      receivedAt,
      deterministicEventId('gateway', rr.metadata.name, rr.metadata.uid ?? '', 'deduplicated', occurrence),
    ),
    event_data: {
      event_type: 'gateway.signal.deduplicated',
      ...kubernautFields(rr),
      deduplication_status: 'duplicate',
      occurrence_count: occurrence,
      rr_name: rr.metadata.name,
      rr_namespace: rr.metadata.namespace,
      received_at: receivedAt,
      first_seen_at: dedup.firstSeenAt,
      last_seen_at: dedup.lastSeenAt,
      submitted_by: submittedBy,
    },
  };
}
