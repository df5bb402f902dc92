/** The RemediationRequest object the gateway creates for a signal (DESIGN §4). */

import { REQUESTED_BY_ANNOTATION } from '../approval-ladder.js';
import { API_VERSION } from '../domain.js';
import type { KubeObject } from '../kube/object.js';
import type { RemediationRequestSpec } from '../remediation-request.js';
import { traceAnnotations } from '../tracing/context.js';
import type { ResolvedOwner } from './owner-resolution.js';
import type { Signal } from './signal.js';

export function remediationRequestSpec(
  signal: Signal,
  resolved: ResolvedOwner,
  fingerprint: string,
  receivedTime: string,
): RemediationRequestSpec {
  const { owner } = resolved;
  return {
    signalFingerprint: fingerprint,
    signalName: signal.name,
    severity: signal.severity,
    signalType: signal.signalType,
    signalSource: signal.source,
    targetType: 'kubernetes',
    targetResource: {
      ...(owner.apiVersion ? { apiVersion: owner.apiVersion } : {}),
      kind: owner.kind,
      name: owner.name,
      ...(owner.namespace ? { namespace: owner.namespace } : {}),
    },
    ...(signal.clusterId ? { clusterID: signal.clusterId } : {}),
    firingTime: signal.firingTime,
    receivedTime,
    signalLabels: signal.labels,
    signalAnnotations: signal.annotations,
    providerData: JSON.stringify({
      ...signal.providerData,
      // Kubernaut's providerData shape for Kubernetes targets, plus how we got there.
      namespace: owner.namespace ?? '',
      resource: { kind: owner.kind, name: owner.name },
      signalTarget: signal.target,
      ownerResolution: resolved.resolution,
      ownerChain: resolved.chain,
    }),
    originalPayload: JSON.stringify(signal.originalPayload),
  };
}

/** requestedBy: who sent the signal (the API identity); an approval ladder never lets them approve (I10). */
export function remediationRequestObject(
  name: string,
  namespace: string,
  spec: RemediationRequestSpec,
  requestedBy?: string,
): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'RemediationRequest',
    metadata: {
      name,
      namespace,
      // The gateway request's trace, which the whole remediation joins (lib/tracing/context.ts).
      ...withAnnotations({
        ...traceAnnotations(),
        ...(requestedBy ? { [REQUESTED_BY_ANNOTATION]: requestedBy } : {}),
      }),
      labels: {
        'app.kubernetes.io/managed-by': 'kubernaut-gateway',
        'kubernaut.ai/signal-source': spec.signalSource ?? '',
      },
    },
    spec: spec as unknown as Record<string, unknown>,
  };
}

function withAnnotations(annotations: Record<string, string>) {
  return Object.keys(annotations).length ? { annotations } : {};
}
