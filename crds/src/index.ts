import { actionType } from './action-type.js';
import { aiAnalysis } from './ai-analysis.js';
import { effectivenessAssessment } from './effectiveness-assessment.js';
import { notificationRequest } from './notification-request.js';
import { remediationApprovalRequest } from './remediation-approval-request.js';
import { remediationPolicy } from './remediation-policy.js';
import { remediationRequest } from './remediation-request.js';
import { remediationWorkflow } from './remediation-workflow.js';
import type { CrdDefinition } from './schema.js';
import { signalProcessing } from './signal-processing.js';
import { workflowExecution } from './workflow-execution.js';

/** Every kind of kubernaut.ai/v1alpha1: the lifecycle's, in the order it meets them, then the catalog's. */
export const CRD_DEFINITIONS: CrdDefinition[] = [
  remediationRequest,
  signalProcessing,
  aiAnalysis,
  remediationApprovalRequest,
  workflowExecution,
  effectivenessAssessment,
  notificationRequest,
  remediationWorkflow,
  actionType,
  remediationPolicy,
];

/** The catalog kinds: operator-authored, mutable, not children of a remediation. */
export const CATALOG_KINDS = ['RemediationWorkflow', 'ActionType'];

/** Operator-authored guardrails: mutable, read afresh by every routing pass. */
export const POLICY_KINDS = ['RemediationPolicy'];
