import { AA_PHASES, NORMALISED_SEVERITIES } from '../../lib/domain.js';
import {
  bool,
  type CrdDefinition,
  conditions,
  immutable,
  int,
  list,
  num,
  obj,
  oneOf,
  resourceIdentifier,
  type Schema,
  str,
  stringMap,
  time,
} from './schema.js';
import { businessClassification, kubernetesContext } from './signal-processing.js';

/** Kubernaut's vocabularies for why an analysis ended as it did (its AIAnalysis CRD enums). */
const REASONS = [
  'AnalysisCompleted',
  'WorkflowResolutionFailed',
  'WorkflowNotNeeded',
  'NoWorkflowSelected',
  'RegoEvaluationError',
  'TransientError',
  'APIError',
  'InteractiveCancelled',
  'ParentCancelled',
];
const SUB_REASONS = [
  'WorkflowNotFound',
  'ImageMismatch',
  'ParameterValidationFailed',
  'NoMatchingWorkflows',
  'LowConfidence',
  'LLMParsingError',
  'ValidationError',
  'TransientError',
  'PermanentError',
  'InvestigationInconclusive',
  'ProblemResolved',
  'NotActionable',
  'MaxRetriesExceeded',
  'SessionRegenerationExceeded',
  'RcaIncomplete',
  'InvestigationFailed',
  'OperatorEscalation',
  'DecisionExpired',
];
const HUMAN_REVIEW_REASONS = [
  'workflow_not_found',
  'image_mismatch',
  'parameter_validation_failed',
  'no_matching_workflows',
  'low_confidence',
  'llm_parsing_error',
  'investigation_inconclusive',
  'rca_incomplete',
  'alignment_check_failed',
  'operator_escalation',
  'decision_expired',
];
const confidence = () => num(undefined, { minimum: 0, maximum: 1 });

/** The workflow an analysis selects; WorkflowExecution.spec.workflowRef mirrors it. */
export const selectedWorkflowFields: Record<string, Schema> = {
  workflowId: str(),
  workflowName: str(),
  version: str(),
  actionType: str('restart, scale, set-resources, delete-pod, cordon-node, job'),
  executionBundle: str('Container image of the bundle, or builtin:<action>'),
  executionBundleDigest: str(),
  executionEngine: oneOf(['tekton', 'job', 'ansible']),
  serviceAccountName: str(),
  declaredParameterNames: { type: 'object', additionalProperties: { type: 'boolean' } },
};

export const aiAnalysis: CrdDefinition = {
  kind: 'AIAnalysis',
  plural: 'aianalyses',
  singular: 'aianalysis',
  shortNames: ['aia'],
  description: 'Root-cause analysis and remediation-workflow selection for a signal.',
  columns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Workflow', type: 'string', jsonPath: '.status.rcaResult.selectedWorkflow.workflowId' },
    { name: 'Confidence', type: 'number', jsonPath: '.status.rcaResult.selectedWorkflow.confidence' },
    { name: 'Approval', type: 'boolean', jsonPath: '.status.approval.approvalRequired' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj(
    {
      remediationRequestRef: obj({ kind: str(), name: str(), namespace: str(), apiVersion: str(), uid: str() }),
      remediationId: str('Name of the owning RemediationRequest', { minLength: 1 }),
      clusterID: str(),
      timesOutAt: time(),
      analysisRequest: obj(
        {
          analysisTypes: list(oneOf(['Investigation', 'RootCause', 'WorkflowSelection']), undefined, { minItems: 1 }),
          signalContext: obj(
            {
              fingerprint: str(undefined, { maxLength: 64 }),
              signalName: str(),
              severity: oneOf(NORMALISED_SEVERITIES),
              signalMode: oneOf(['reactive', 'proactive']),
              environment: str(undefined, { minLength: 1, maxLength: 63 }),
              businessPriority: str(undefined, { minLength: 1, maxLength: 63 }),
              cluster: str(),
              targetResource: resourceIdentifier(undefined, false),
              signalAnnotations: stringMap(),
              enrichmentResults: obj({ kubernetesContext, businessClassification }),
            },
            ['fingerprint', 'signalName', 'severity', 'environment', 'businessPriority', 'targetResource', 'enrichmentResults'],
          ),
        },
        ['analysisTypes', 'signalContext'],
      ),
    },
    ['remediationRequestRef', 'remediationId', 'analysisRequest'],
    undefined,
    immutable('spec'),
  ),
  status: obj(
    {
      phase: oneOf(AA_PHASES),
      reason: oneOf(REASONS),
      subReason: oneOf(SUB_REASONS),
      message: str(),
      startedAt: time(),
      completedAt: time(),
      observedGeneration: int(undefined, { format: 'int64' }),
      rcaResult: obj({
          rootCause: str(),
          rootCauseAnalysis: obj(
            {
              summary: str(),
              signalType: str(),
              severity: oneOf(NORMALISED_SEVERITIES),
              contributingFactors: list(str()),
              remediationTarget: resourceIdentifier(undefined, false),
            },
            ['summary', 'signalType'],
          ),
          selectedWorkflow: obj(
            { ...selectedWorkflowFields, confidence: confidence(), rationale: str(), parameters: stringMap(), selectedAt: time() },
            ['workflowId', 'workflowName', 'version', 'actionType', 'executionBundle', 'confidence', 'rationale'],
          ),
        actionability: oneOf(['Actionable', 'NotActionable']),
        alternativeWorkflows: list(
          obj({ workflowId: str(), executionBundle: str(), confidence: num(), rationale: str() }, [
            'workflowId',
            'confidence',
            'rationale',
          ]),
        ),
      }),
      approval: obj(
        {
          approvalRequired: bool(),
          approvalReason: str(),
          approvalContext: obj(
            {
              reason: str(),
              confidenceScore: confidence(),
              confidenceLevel: oneOf(['low', 'medium', 'high']),
              investigationSummary: str(),
              whyApprovalRequired: str(),
              recommendedActions: list(obj({ workflowId: str(), rationale: str() }, ['workflowId', 'rationale'])),
              evidenceCollected: list(str()),
              policyEvaluation: obj(
                {
                  policyName: str(),
                  decision: oneOf(['Approved', 'ManualReviewRequired', 'Denied', 'DegradedMode']),
                  matchedRules: list(str()),
                  policyHash: str(),
                },
                ['policyName', 'decision'],
              ),
            },
            ['reason', 'confidenceScore', 'confidenceLevel', 'investigationSummary', 'whyApprovalRequired', 'recommendedActions'],
          ),
        },
        ['approvalRequired'],
      ),
      review: obj({ needsHumanReview: bool(), humanReviewReason: oneOf(HUMAN_REVIEW_REASONS) }, ['needsHumanReview']),
      conditions: conditions(),
    },
    ['phase'],
  ),
};
