import { type CrdDefinition, conditions, immutable, int, list, num, obj, objectRef, oneOf, str, stringMap, time } from './schema.js';

/** A field of the decision that may be filled in while absent, but never changed or removed. */
const kept = (field: string) =>
  `(!has(oldSelf.${field}) || (has(self.${field}) && self.${field} == oldSelf.${field}))`;

/**
 * The first decision recorded is final (DESIGN §14, I3): once status.decision is
 * set, the API server refuses any write that changes it or who/when/why it names
 * (a kubectl patch after the workflow recorded an approval, say). Fields still
 * absent may be filled in, as the workflow does for a bare kubectl decision.
 */
const FINAL_DECISION = {
  'x-kubernetes-validations': [
    {
      rule: `!has(oldSelf.decision) || oldSelf.decision == '' || (${['decision', 'decidedBy', 'decidedAt', 'decisionMessage'].map(kept).join(' && ')})`,
      message:
        'the approval decision is final once recorded: decision, decidedBy, decidedAt and decisionMessage cannot change',
    },
  ],
};

export const remediationApprovalRequest: CrdDefinition = {
  kind: 'RemediationApprovalRequest',
  plural: 'remediationapprovalrequests',
  singular: 'remediationapprovalrequest',
  shortNames: ['rar', 'rars'],
  description: 'A request for a person to approve or reject a remediation before it runs.',
  columns: [
    { name: 'Decision', type: 'string', jsonPath: '.status.decision' },
    { name: 'By', type: 'string', jsonPath: '.status.decidedBy' },
    { name: 'Workflow', type: 'string', jsonPath: '.spec.recommendedWorkflow.workflowId' },
    { name: 'Required By', type: 'date', jsonPath: '.spec.requiredBy' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj(
    {
      remediationRequestRef: objectRef(),
      aiAnalysisRef: obj({ name: str(undefined, { minLength: 1 }) }, ['name']),
      clusterID: str(),
      confidence: num(undefined, { minimum: 0, maximum: 1 }),
      confidenceLevel: oneOf(['low', 'medium', 'high']),
      reason: str(undefined, { minLength: 1 }),
      whyApprovalRequired: str(undefined, { minLength: 1 }),
      investigationSummary: str(undefined, { minLength: 1 }),
      recommendedWorkflow: obj({ workflowId: str(), version: str(), executionBundle: str(), rationale: str() }, [
        'workflowId',
        'version',
        'executionBundle',
        'rationale',
      ]),
      recommendedActions: list(obj({ action: str(), rationale: str() }, ['action', 'rationale']), undefined, {
        minItems: 1,
      }),
      evidenceCollected: list(str()),
      requiredBy: time('Deadline; the request expires after it'),
    },
    [
      'remediationRequestRef',
      'aiAnalysisRef',
      'confidence',
      'confidenceLevel',
      'reason',
      'whyApprovalRequired',
      'investigationSummary',
      'recommendedWorkflow',
      'recommendedActions',
      'requiredBy',
    ],
    undefined,
    immutable('spec'),
  ),
  status: obj(
    {
      decision: oneOf(['', 'Approved', 'Rejected', 'Expired'], 'Set by a person (kubectl patch) or by the workflow'),
      decidedBy: str(),
      decidedAt: time(),
      decidedVia: str('update, signal, kubectl or timeout'),
      decisionMessage: str(),
      expired: { type: 'boolean' },
      createdAt: time(),
      message: str(),
      reason: str(),
      timeRemaining: str(),
      observedGeneration: int(undefined, { format: 'int64' }),
      workflowOverride: obj({ workflowName: str(), rationale: str(), parameters: stringMap() }),
      conditions: conditions(),
    },
    [],
    undefined,
    FINAL_DECISION,
  ),
};
