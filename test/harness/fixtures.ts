import { createHash } from 'node:crypto';
import { API_VERSION } from '../../lib/domain.js';

export const fingerprintOf = (s: string) => createHash('sha256').update(s).digest('hex');

/** A valid RemediationRequest for a Deployment, as the gateway would create it. */
export function sampleRemediationRequest(namespace: string, name: string, targetName = 'web') {
  const now = new Date().toISOString();
  return {
    apiVersion: API_VERSION,
    kind: 'RemediationRequest',
    metadata: { name, namespace },
    spec: {
      signalFingerprint: fingerprintOf(`${namespace}:Deployment:${targetName}`),
      signalName: 'KubePodCrashLooping',
      severity: 'critical',
      signalType: 'alert',
      signalSource: 'prometheus',
      targetType: 'kubernetes',
      targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: targetName, namespace },
      firingTime: now,
      receivedTime: now,
      signalLabels: { alertname: 'KubePodCrashLooping', severity: 'critical' },
      signalAnnotations: { summary: 'pod is crash looping' },
    },
  };
}
