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

/**
 * With an approval ladder (docs/policies.md, I10) the workflow writes how many
 * distinct approvers are needed, and the decision may be Approved only once that
 * many approvals are recorded: a kubectl `decision: Approved` by one person cannot
 * short-cut the quorum (people append to status.responses instead).
 */
const QUORUM_BEFORE_APPROVED = {
  rule: "!has(self.decision) || self.decision != 'Approved' || !has(self.approvalsRequired) || (has(self.approvals) && size(self.approvals) >= self.approvalsRequired)",
  message:
    'this approval needs a quorum of distinct approvers: append your approval to status.responses (kubectl patch --subresource=status --type=json) instead of setting status.decision',
};

const approvers = () =>
  obj({
    users: list(str(), undefined, { maxItems: 640 }),
    groups: list(str(), undefined, { maxItems: 640 }),
  });

export const remediationApprovalRequest: CrdDefinition = {
  kind: 'RemediationApprovalRequest',
  plural: 'remediationapprovalrequests',
  singular: 'remediationapprovalrequest',
  shortNames: ['rar', 'rars'],
  description: 'A request for a person to approve or reject a remediation before it runs.',
  columns: [
    { name: 'Decision', type: 'string', jsonPath: '.status.decision' },
    { name: 'By', type: 'string', jsonPath: '.status.decidedBy' },
    { name: 'Tier', type: 'integer', jsonPath: '.status.currentTier', priority: 1 },
    { name: 'Needed', type: 'integer', jsonPath: '.status.approvalsNeeded', priority: 1 },
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
      // The approval ladder (I10), written by the workflow.
      approvalPolicy: str('The RemediationPolicy whose ladder this approval climbs'),
      currentTier: int('The tier notified last (1 = the first)', { minimum: 1 }),
      tierName: str(),
      tiers: int('How many tiers the ladder has', { minimum: 1 }),
      tierDeadline: time('When the current tier times out: the next is notified, or (last tier) the approval expires'),
      eligibleApprovers: approvers(),
      approvalsRequired: int('Distinct approvers needed', { minimum: 1 }),
      approvalsNeeded: int('Approvals still needed', { minimum: 0 }),
      riskyBecause: list(str(), 'Why a quorum applies', { maxItems: 8 }),
      approvals: list(
        obj({ approver: str(), approvedAt: time(), via: str('update, signal, kubectl'), message: str() }, [
          'approver',
        ]),
        'The approvals counted so far, one per distinct approver (written by the workflow)',
        { maxItems: 20 },
      ),
      // Written by people, never by the workflow.
      responses: list(
        obj(
          {
            by: str('Your user name; with the admission policy in deploy/, the API server checks it is yours', {
              minLength: 1,
            }),
            decision: oneOf(['Approved', 'Rejected']),
            groups: list(str(), 'Groups you decide as (a subset of yours, checked by the same policy)', {
              maxItems: 64,
            }),
            message: str(undefined, { maxLength: 2000 }),
          },
          ['by', 'decision'],
        ),
        'Decisions sent by kubectl (append: --type=json, op add, path /status/responses/-); the workflow judges each',
        { maxItems: 100 },
      ),
    },
    [],
    undefined,
    { 'x-kubernetes-validations': [...FINAL_DECISION['x-kubernetes-validations'], QUORUM_BEFORE_APPROVED] },
  ),
};
