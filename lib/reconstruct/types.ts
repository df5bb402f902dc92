/**
 * Shared vocabulary of the reconstruction pipeline (DESIGN §8):
 * query → parse → map → build → validate → YAML.
 */

/** The audit row a value came from. */
export interface EventRef {
  event_type: string;
  event_id: string;
  event_timestamp: string;
}

/**
 * Where a field of the rebuilt RR came from. `via` says when the value was not
 * carried by the event's own fields: `derived` (computed from other fields, as the
 * workflow computes it) or `rr_status` (taken from the final status snapshot because
 * no event carried it).
 */
export interface FieldSource extends EventRef {
  via?: 'derived' | 'rr_status';
}

/** Field path (e.g. `status.phaseProgress.processingStartTime`) → its source. */
export type Provenance = Record<string, FieldSource>;

export interface Validation {
  is_valid: boolean;
  /** 0–100: the share of the fields this trail should yield that were rebuilt. */
  completeness: number;
  errors: string[];
  warnings: string[];
}

/** Phases in the order the workflow moves through them (Blocked sits before Executing). */
export const PHASE_ORDER = [
  'Pending',
  'Processing',
  'Analyzing',
  'AwaitingApproval',
  'Blocked',
  'Executing',
  'Verifying',
] as const;
