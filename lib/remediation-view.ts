/**
 * The live view of a remediation, kept by the workflow and returned by the
 * `status` query; the RR status written to Kubernetes is projected from it.
 */
import type { ApprovalDecision, RemediationOutcome, RemediationPhase } from './domain.js';

export interface ChildRef {
  kind: string;
  name: string;
}

export interface TimelineEntry {
  phase: RemediationPhase;
  at: string;
  message?: string;
}

export interface ApprovalState {
  required: boolean;
  requestName?: string;
  requiredBy?: string;
  decision?: ApprovalDecision;
  decidedBy?: string;
  decidedAt?: string;
  decisionMessage?: string;
  decidedVia?: 'update' | 'signal' | 'kubectl' | 'timeout';
  /** With a RemediationPolicy's approval ladder (I10): where the ladder stands. */
  ladder?: LadderState;
}

/** The approval ladder's progress: the RAR status shows the same (activities/approval.ts). */
export interface LadderState {
  policy: string;
  /** The tier notified last, 1-based, of `tiers`. */
  tier: number;
  tierName: string;
  tiers: number;
  tierDeadline: string;
  /** Who may decide now: the approvers of this tier and every earlier one. */
  eligible: { users: string[]; groups: string[] };
  approvalsRequired: number;
  approvalsNeeded: number;
  riskyBecause: string[];
  approvals: { approver: string; approvedAt: string; via: string; message?: string }[];
  /** Decisions the ladder refused, in order (the audit trail has each one's reason). */
  refusals: { by: string; code: string; at: string; via: string }[];
}

export interface RemediationView {
  namespace: string;
  name: string;
  phase: RemediationPhase;
  message: string;
  startTime: string;
  completedAt?: string;
  phaseStartTimes: Partial<Record<RemediationPhase, string>>;
  children: Partial<
    Record<
      | 'SignalProcessing'
      | 'AIAnalysis'
      | 'RemediationApprovalRequest'
      | 'WorkflowExecution'
      | 'EffectivenessAssessment',
      ChildRef
    >
  >;
  notifications: ChildRef[];
  approval: ApprovalState;
  outcome?: RemediationOutcome;
  failurePhase?: string;
  failureReason?: string;
  timeoutPhase?: RemediationPhase;
  timeoutTime?: string;
  timeoutConfig: Record<string, string>;
  workflowSelection?: {
    workflowId: string;
    version: string;
    executionBundle: string;
    actionType: string;
    confidence: number;
    rationale?: string;
    parameters?: Record<string, string>;
  };
  routing?: { blockReason?: string; blockMessage?: string; blockedUntil?: string; duplicateOf?: string };
  timeline: TimelineEntry[];
}
