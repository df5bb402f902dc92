/**
 * The deduplication key and the RR name derived from it (DESIGN §4, §9). Two signals
 * about the same top-level owner share a fingerprint, whichever pod or event fired.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TargetResource } from '../remediation-request.js';

/** SHA-256 hex of `<namespace>:<OwnerKind>:<ownerName>`, prefixed `<clusterId>:` when set. */
export function signalFingerprint(owner: TargetResource, clusterId?: string): string {
  const key = `${owner.namespace ?? ''}:${owner.kind}:${owner.name}`;
  return createHash('sha256')
    .update(clusterId ? `${clusterId}:${key}` : key)
    .digest('hex');
}

/**
 * `rr-<fp[:12]>-<8 hex>`. The suffix is random but chosen once, when the claim is
 * taken, and stored with it: every replica then creates the same name for that claim.
 */
export function newRemediationRequestName(fingerprint: string): string {
  return `rr-${fingerprint.slice(0, 12)}-${randomBytes(4).toString('hex')}`;
}
