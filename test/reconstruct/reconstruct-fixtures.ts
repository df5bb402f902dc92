/**
 * Helpers for the reconstruction suites: the genesis event a gateway would have
 * written, calling the route, and applying what it returns to the kube-apiserver.
 */
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { deterministicEventId } from '../../lib/audit/ids.js';
import type { AuditEventInput } from '../../lib/audit/types.js';
import { bearer } from '../integration/audit-api-fixtures.js';

/**
 * gateway.signal.received as the gateway's contract has it (event_data.spec = the
 * spec as created). The harness creates RRs directly, so tests write it themselves.
 */
export function genesisEvent(rr: KubeObject, over: Partial<AuditEventInput> = {}): AuditEventInput {
  const spec = rr.spec as Record<string, string>;
  return {
    event_id: deterministicEventId('test-genesis', rr.metadata.namespace!, rr.metadata.name),
    version: '1.0',
    event_type: 'gateway.signal.received',
    event_timestamp: spec.receivedTime!,
    event_category: 'gateway',
    event_action: 'received',
    event_outcome: 'success',
    actor_type: 'service',
    actor_id: 'gateway',
    resource_type: 'RemediationRequest',
    resource_id: rr.metadata.name,
    correlation_id: rr.metadata.name,
    namespace: rr.metadata.namespace,
    severity: spec.severity,
    event_data: {
      event_type: 'gateway.signal.received',
      rr_name: rr.metadata.name,
      rr_namespace: rr.metadata.namespace,
      fingerprint: spec.signalFingerprint,
      received_at: spec.receivedTime,
      spec: rr.spec,
    },
    ...over,
  };
}

export interface ReconstructBody {
  remediation_request_yaml: string;
  validation: { is_valid: boolean; completeness: number; errors: string[]; warnings: string[] };
  reconstructed_at: string;
  correlation_id: string;
  cluster_id?: string;
  provenance?: Record<
    string,
    { event_type: string; event_id: string; event_timestamp: string; via?: string }
  >;
}

export async function reconstruct(app: FastifyInstance, correlationId: string, query = '') {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/audit/remediation-requests/${encodeURIComponent(correlationId)}/reconstruct${query}`,
    headers: bearer('reader'),
  });
  return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
}

/** The 200 answer and the RR it holds, failing with the problem otherwise. */
export async function reconstructed(app: FastifyInstance, correlationId: string, query = '') {
  const res = await reconstruct(app, correlationId, query);
  if (res.status !== 200)
    throw new Error(`reconstruct ${correlationId}: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as ReconstructBody;
  return { body, rr: parse(body.remediation_request_yaml) as KubeObject };
}

/**
 * Applies the rebuilt RR under a new name in `namespace`: the spec by create, the
 * status through the /status subresource. Returns the object as the server stored it.
 */
export async function applyCopy(objects: KubeObjects, namespace: string, rr: KubeObject, name: string) {
  const { status, ...rest } = rr;
  await objects.create('remediationrequests', namespace, {
    ...rest,
    metadata: { ...rr.metadata, name, namespace },
  });
  if (status) await objects.mergeStatus('remediationrequests', namespace, name, status);
  return (await objects.get('remediationrequests', namespace, name))!;
}
