import { aiAnalysis } from './ai-analysis.js';
import { effectivenessAssessment } from './effectiveness-assessment.js';
import { notificationRequest } from './notification-request.js';
import { remediationApprovalRequest } from './remediation-approval-request.js';
import { remediationRequest } from './remediation-request.js';
import type { CrdDefinition } from './schema.js';
import { signalProcessing } from './signal-processing.js';
import { workflowExecution } from './workflow-execution.js';

/** Every kind of kubernaut.ai/v1alpha1, in the order the lifecycle meets them. */
export const CRD_DEFINITIONS: CrdDefinition[] = [
  remediationRequest,
  signalProcessing,
  aiAnalysis,
  remediationApprovalRequest,
  workflowExecution,
  effectivenessAssessment,
  notificationRequest,
];
