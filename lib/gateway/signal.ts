/**
 * A signal as the gateway sees it once an adapter has parsed its payload: what
 * fired, where, and when. Adapters (Alertmanager, Kubernetes events) produce these;
 * the ingestion service (lib/gateway/ingest.ts) turns them into RemediationRequests.
 */
import type { TargetResource } from '../remediation-request.js';

export type SignalSource = 'prometheus' | 'kubernetes-events';

export interface Signal {
  source: SignalSource;
  /** spec.signalType: `alert` or `kubernetes-event`. */
  signalType: 'alert' | 'kubernetes-event';
  name: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339, normalised. */
  firingTime: string;
  clusterId?: string;
  /** The resource the payload names, before owner resolution. */
  target: TargetResource | null;
  /** Adapter-specific context, stored as spec.providerData (JSON). */
  providerData: Record<string, unknown>;
  /** The alert or event exactly as received, stored as spec.originalPayload (JSON). */
  originalPayload: unknown;
  /** Set when the adapter already knows the signal must not create a remediation. */
  rejection?: Rejection;
}

export type RejectionReason =
  | 'resolved'
  | 'not-a-warning'
  | 'no-target'
  | 'invalid-target'
  | 'invalid-signal'
  | 'too-large'
  | 'firing-time-in-future'
  | 'not-managed';

export interface Rejection {
  reason: RejectionReason;
  message: string;
}

/** How the target was mapped to what the RR remediates. */
export type OwnerResolution =
  /** Followed controller ownerReferences to the top-level owner (possibly the resource itself). */
  | 'resolved'
  /** The named resource does not exist (any more): the RR targets it as named. */
  | 'fallback-not-found';

export interface SignalResult {
  outcome: 'created' | 'deduplicated' | 'rejected';
  signalName: string;
  reason?: RejectionReason;
  message?: string;
  fingerprint?: string;
  remediationRequest?: { name: string; namespace: string };
  target?: TargetResource;
  ownerResolution?: OwnerResolution;
  occurrenceCount?: number;
}
