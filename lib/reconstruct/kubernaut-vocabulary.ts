/**
 * Kubernaut's audit vocabulary (its Data Storage OpenAPI payload schemas) mapped onto
 * the RR's. Kubernaut's RemediationOrchestrator writes `outcome` as the orchestration's
 * result (Success | Failed | Pending) and the CRD outcome as `crd_outcome`; its
 * failure_phase names the child kind that failed (the same vocabulary our workflow
 * writes in completionStatus.failurePhase); its failure_reason is a category.
 */
import { APPROVAL_DECISIONS, OUTCOMES, RR_PHASES } from '../domain.js';

/** Kubernaut's orchestration outcome enum: not a completionStatus.outcome. */
export const ORCHESTRATION_OUTCOMES = ['Success', 'Failed', 'Pending'] as const;

/** Kubernaut's failure_reason categories. */
export const FAILURE_CATEGORIES = [
  'Timeout',
  'ValidationError',
  'InfrastructureError',
  'ApprovalRejected',
  'Unknown',
] as const;

/** failure_phase (the child kind) → the RR phase it runs in, for timeoutPhase. */
export const PHASE_OF_FAILURE: Record<string, string> = {
  SignalProcessing: 'Processing',
  AIAnalysis: 'Analyzing',
  Approval: 'AwaitingApproval',
  WorkflowExecution: 'Executing',
};

export const isOutcome = (v: string | undefined): v is string =>
  !!v && (OUTCOMES as readonly string[]).includes(v);
export const isPhase = (v: string | undefined): v is string =>
  !!v && (RR_PHASES as readonly string[]).includes(v);
export const isDecision = (v: string | undefined): v is string =>
  !!v && (APPROVAL_DECISIONS as readonly string[]).includes(v);

/** The decision an approval event's type states (Kubernaut's `decision` may say Pending). */
export const DECISION_OF_TYPE: Record<string, string> = {
  'orchestrator.approval.approved': 'Approved',
  'orchestrator.approval.rejected': 'Rejected',
  'orchestrator.approval.expired': 'Expired',
};

/**
 * Event types of Kubernaut's payload mapping that say nothing about the RR object:
 * catalog, agent, front-end, notification, effectiveness and admission events, and
 * the children's internal steps. Recognised so that they are not reported as unknown.
 */
export const INFORMATIONAL_TYPES =
  /^(notification\.|effectiveness\.|aiagent\.|apifrontend\.|agentsession\.|actiontype\.|remediationworkflow\.|authwebhook\.|datastorage\.|workflow\.catalog\.|webhook\.notification\.|gateway\.(crd\.failed|config\.)|aianalysis\.(phase|aiagent|approval|rego|error)\.|workflowexecution\.block\.cleared$|orchestrator\.approval\.ignored$)/;

/** Go's time.ParseDuration syntax, the CRD's `duration` format for timeoutConfig. */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
