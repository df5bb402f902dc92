/**
 * Step 4: the RemediationRequest object — today's apiVersion (kubernaut.ai/v1alpha1,
 * not Kubernaut's stale remediation.kubernaut.ai), the original name and namespace,
 * and metadata that marks it as rebuilt from the audit trail. Keys follow the CRD's
 * order so the YAML reads like the original.
 */
import { API_VERSION } from '../domain.js';
import { declaredStatus } from './declared-status.js';
import type { Mapped } from './map.js';

export const RECONSTRUCTED_LABEL = 'kubernaut.ai/reconstructed';
export const RECONSTRUCTED_AT_ANNOTATION = 'kubernaut.ai/reconstructed-at';
export const SOURCE_ANNOTATION = 'kubernaut.ai/reconstruction-source';
export const CORRELATION_KEY = 'kubernaut.ai/correlation-id';
export const ORIGINAL_UID_ANNOTATION = 'kubernaut.ai/original-uid';

const SPEC_ORDER = [
  'signalFingerprint',
  'signalName',
  'severity',
  'signalType',
  'signalSource',
  'targetType',
  'targetResource',
  'clusterID',
  'firingTime',
  'receivedTime',
  'signalLabels',
  'signalAnnotations',
  'providerData',
  'originalPayload',
];
const STATUS_ORDER = [
  'overallPhase',
  'message',
  'startTime',
  'completedAt',
  'phaseProgress',
  'timeoutConfig',
  'routingStatus',
  'workflowSelection',
  'completionStatus',
  'deduplication',
  'conditions',
];

function ordered(o: Record<string, unknown> | undefined, order: string[]): Record<string, unknown> {
  if (!o) return {};
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => rank(a) - rank(b)));
}

/** A label value must be ≤ 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */
const isLabelValue = (v: string) => /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(v);

export interface RebuiltRemediationRequest {
  apiVersion: string;
  kind: 'RemediationRequest';
  metadata: {
    name?: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export function buildRemediationRequest(
  m: Mapped,
  correlationId: string,
  reconstructedAt: string,
): RebuiltRemediationRequest {
  const root = m.tree.root as { spec?: Record<string, unknown>; status?: Record<string, unknown> };
  const declared = declaredStatus(root.status ?? {});
  const status = ordered(declared.status, STATUS_ORDER);
  return {
    apiVersion: API_VERSION,
    kind: 'RemediationRequest',
    metadata: {
      name: m.tree.get('metadata.name') as string | undefined,
      namespace: m.tree.get('metadata.namespace') as string | undefined,
      labels: {
        ...m.labels,
        [RECONSTRUCTED_LABEL]: 'true',
        ...(isLabelValue(correlationId) ? { [CORRELATION_KEY]: correlationId } : {}),
      },
      annotations: {
        ...declared.annotations,
        ...m.annotations,
        [RECONSTRUCTED_AT_ANNOTATION]: reconstructedAt,
        [SOURCE_ANNOTATION]: 'audit-trail',
        [CORRELATION_KEY]: correlationId,
        ...(m.originalUid ? { [ORIGINAL_UID_ANNOTATION]: m.originalUid } : {}),
      },
    },
    spec: ordered(root.spec, SPEC_ORDER),
    ...(Object.keys(status).length ? { status } : {}),
  };
}
