/**
 * The RemediationRequest the gateway would create for a new alert, built with the
 * gateway's own code (Alertmanager adapter, fingerprint, name, spec, object) from
 * the same payload the gateway figure sends. The raw-create reference POSTs these,
 * so the apiserver stores and validates an object of the same shape and size as in
 * the figure it is compared with. The targets do not exist, as in that figure:
 * owner resolution falls back to the named Deployment.
 */
import { signalsFromAlertmanager } from '../lib/gateway/alertmanager.js';
import { newRemediationRequestName, signalFingerprint } from '../lib/gateway/fingerprint.js';
import { remediationRequestObject, remediationRequestSpec } from '../lib/gateway/rr-spec.js';
import { alertmanagerPayload } from './payloads.js';

export function gatewayLikeRemediationRequest(
  rrNamespace: string,
  targetNamespace: string,
  deployment: string,
  now: Date,
): string {
  const payload = JSON.parse(alertmanagerPayload(targetNamespace, deployment, now.toISOString()));
  const signal = signalsFromAlertmanager(payload)[0]!;
  const owner = signal.target!;
  const resolved = {
    owner,
    resolution: 'fallback-not-found' as const,
    chain: [`${owner.kind}/${owner.name}`],
  };
  const fingerprint = signalFingerprint(owner, signal.clusterId);
  const spec = remediationRequestSpec(signal, resolved, fingerprint, now.toISOString());
  const name = newRemediationRequestName(fingerprint);
  return JSON.stringify(remediationRequestObject(name, rrNamespace, spec));
}
