/**
 * The vocabulary of kubernaut.ai/v1alpha1 shared by workflows, activities, the API
 * and the CRD generator: phases, outcomes, reasons. Values follow Kubernaut's CRDs
 * so objects written here validate under its schemas too.
 */
export const API_GROUP = 'kubernaut.ai';
export const API_VERSION = 'kubernaut.ai/v1alpha1';

export const RR_PHASES = [
  'Pending',
  'Processing',
  'Analyzing',
  'AwaitingApproval',
  'Executing',
  'Verifying',
  'Blocked',
  'Completed',
  'Failed',
  'TimedOut',
  'Skipped',
  'Cancelled',
] as const;
export type RemediationPhase = (typeof RR_PHASES)[number];

export const TERMINAL_PHASES: readonly RemediationPhase[] = [
  'Completed',
  'Failed',
  'TimedOut',
  'Skipped',
  'Cancelled',
];
export const isTerminalPhase = (p: string | undefined): boolean =>
  p !== undefined && (TERMINAL_PHASES as readonly string[]).includes(p);

export const OUTCOMES = [
  'Remediated',
  'NoActionRequired',
  'ManualReviewRequired',
  'VerificationTimedOut',
  'Inconclusive',
  'DryRun',
  // Not in Kubernaut's RR CRD: the action made things worse and was undone (I11).
  'RolledBack',
] as const;
/** An outcome Kubernaut's CRD accepts in status.completionStatus.outcome. */
export type CrdOutcome = (typeof OUTCOMES)[number];
/**
 * The workflow's outcome: the CRD's, or Shadow (I12) — which Kubernaut's enum does not
 * have, so the RR status says DryRun for it (crdOutcome); the search attribute and the
 * audit trail say Shadow.
 */
export type RemediationOutcome = CrdOutcome | 'Shadow';
export const crdOutcome = (o: RemediationOutcome): CrdOutcome => (o === 'Shadow' ? 'DryRun' : o);

/** A RemediationPolicy's modes (activities/mode-rules.ts, invariant I12), least cautious first. */
export const REMEDIATION_MODES = ['Automatic', 'ApprovalRequired', 'Shadow'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

export const TARGET_TYPES = ['kubernetes', 'aws', 'azure', 'gcp', 'datadog'] as const;

export const SP_PHASES = [
  'Pending',
  'Enriching',
  'Classifying',
  'Categorizing',
  'Completed',
  'Failed',
] as const;
export const AA_PHASES = ['Pending', 'Investigating', 'Analyzing', 'Completed', 'Failed'] as const;
export const WE_PHASES = ['Pending', 'Running', 'Completed', 'Failed'] as const;
export const EA_PHASES = [
  'Pending',
  'WaitingForPropagation',
  'Stabilizing',
  'Assessing',
  'Completed',
  'Failed',
] as const;
export const NR_PHASES = ['Pending', 'Sending', 'Retrying', 'Sent', 'PartiallySent', 'Failed'] as const;
export const APPROVAL_DECISIONS = ['Approved', 'Rejected', 'Expired'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export const NOTIFICATION_TYPES = [
  'Escalation',
  'Simple',
  'StatusUpdate',
  'Approval',
  'ManualReview',
  'Completion',
] as const;
export const PRIORITIES = ['Critical', 'High', 'Medium', 'Low'] as const;
export const NORMALISED_SEVERITIES = ['critical', 'high', 'warning', 'info', 'unknown'] as const;
export const ENVIRONMENTS = ['Production', 'Staging', 'Development', 'Test', 'Unknown'] as const;
export const BLOCK_REASONS = [
  'DuplicateInProgress',
  'ResourceBusy',
  'ConsecutiveFailures',
  'RecentlyRemediated',
  'ExponentialBackoff',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];
