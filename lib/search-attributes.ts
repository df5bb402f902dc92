/**
 * The custom search attributes the Temporal Web UI filters remediations by.
 * Registered on the dev server at start (stack/temporal.ts) and upserted by the
 * workflow on every phase change. All are Keyword: exact-match filters such as
 * RemediationPhase="AwaitingApproval".
 */
export const SEARCH_ATTRIBUTE_NAMES = [
  'RemediationPhase',
  'SignalName',
  'Severity',
  'TargetResource',
  'SignalFingerprint',
  'RemediationOutcome',
  'ApprovalState',
  'BlockReason',
] as const;

export type SearchAttributeName = (typeof SEARCH_ATTRIBUTE_NAMES)[number];
