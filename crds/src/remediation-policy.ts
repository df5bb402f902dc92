/**
 * RemediationPolicy: guardrails an operator sets for the remediations of a set of
 * target namespaces (docs/policies.md). Lives in the namespace the RRs live in (the
 * orchestrator's), so only those who may write there set it; mutable, read afresh by
 * every routing pass (budgets) and by every remediation once analysed (mode), so a
 * change applies to the next remediation without a restart.
 *
 * Today: the mode (Automatic, ApprovalRequired, Shadow; per workflow too), blast-radius
 * budgets — executions per hour, at once, as a share of a namespace's Deployments, none
 * while too many failed (activities/budget-rules.ts) — and rollback on an ineffective
 * verdict (activities/rollback.ts) — and the approval ladder with quorum
 * (lib/approval-ladder.ts), read once per remediation when it reaches approval. Not a
 * Kubernaut kind: an addition.
 */
import { REMEDIATION_MODES as MODES } from '../../lib/domain.js';
import { ROLLBACK_TRIGGERS } from '../../lib/rollback/policy.js';
import { bool, type CrdDefinition, int, list, num, obj, oneOf, str, stringMap } from './schema.js';

const names = (what: string) => list(str(undefined, { minLength: 1, maxLength: 253 }), what, { maxItems: 64 });

/**
 * The approval ladder with quorum (docs/policies.md, invariant I10): tiers of
 * approvers, each with the time it has before the next is notified; after the last,
 * the approval expires. A risky action needs `quorum.approvals` distinct approvers.
 */
const approval = obj(
  {
    tiers: list(
      obj(
        {
          name: str('For people: "on-call", "platform leads"; default "tier N"', { maxLength: 63 }),
          approvers: obj(
            {
              users: names('Users (Kubernetes or API identity names) who may decide at this tier and later'),
              groups: names('Groups whose members may decide at this tier and later'),
            },
            [],
            'Who may decide from this tier on (an approver of an earlier tier still may)',
            {
              'x-kubernetes-validations': [
                {
                  rule: '(has(self.users) && size(self.users) > 0) || (has(self.groups) && size(self.groups) > 0)',
                  message: 'a tier names at least one user or group',
                },
              ],
            },
          ),
          timeout: str(
            'How long this tier has (Go duration: 10m, 1h30m) before the next tier is notified; after the last tier the approval expires',
            { pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' },
          ),
        },
        ['approvers', 'timeout'],
      ),
      'In order: tier 1 is notified when approval is requested, each next one when the previous times out',
      { minItems: 1, maxItems: 10 },
    ),
    quorum: obj(
      {
        approvals: int('Distinct approvers a risky action needs (the RR creator and requester never count)', {
          minimum: 1,
          maximum: 10,
        }),
        when: obj(
          {
            namespaceLabels: stringMap("The target's namespace has all of these labels (e.g. env: production)"),
            targetKinds: list(str(undefined, { minLength: 1 }), 'The target is one of these kinds (StatefulSet, Node)', {
              maxItems: 32,
            }),
            confidenceBelow: num("The analysis' confidence is below this", { minimum: 0, maximum: 1 }),
          },
          [],
          'What makes an action risky: any one condition. Absent: every action under this policy',
        ),
      },
      ['approvals'],
    ),
    requireTargetRights: bool(
      'An approver must hold update on the target (SubjectAccessReview) for a decision to count; default true',
    ),
  },
  ['tiers'],
  'Who approves the remediations this policy covers, in tiers, and how many for a risky action',
);

export const remediationPolicy: CrdDefinition = {
  kind: 'RemediationPolicy',
  plural: 'remediationpolicies',
  singular: 'remediationpolicy',
  shortNames: ['rpol'],
  description: 'Guardrails for the remediations of a set of target namespaces.',
  columns: [
    { name: 'Namespaces', type: 'string', jsonPath: '.spec.targetNamespaces' },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode.default' },
    { name: 'Executions/h', type: 'integer', jsonPath: '.spec.budget.executionsPerHour' },
    { name: 'At Once', type: 'integer', jsonPath: '.spec.budget.maxConcurrent' },
    { name: 'Pause When Failing', type: 'integer', jsonPath: '.spec.budget.pauseWhenFailing', priority: 1 },
    { name: 'Quorum', type: 'integer', jsonPath: '.spec.approval.quorum.approvals', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj({
    targetNamespaces: list(
      str(undefined, { minLength: 1, maxLength: 63 }),
      'The namespaces of the targets this policy covers; absent or empty: every namespace',
      { maxItems: 256 },
    ),
    // The mode (invariant I12, activities/mode-rules.ts): how far a covered remediation goes on its own.
    mode: obj(
      {
        default: oneOf(
          MODES,
          'Automatic: approval only when the analysis asks; ApprovalRequired: a person approves every execution; Shadow: decide and record what would be done, do nothing',
        ),
        workflows: {
          type: 'object',
          description: 'Per workflow (by workflowId), a mode that overrides the default',
          additionalProperties: oneOf(MODES),
          maxProperties: 256,
        },
      },
      [],
      'The mode of the remediations this policy covers; with several policies, the most cautious wins (Shadow, then ApprovalRequired, then Automatic)',
    ),
    budget: obj(
      {
        executionsPerHour: int(
          'At most this many remediations start executing in any (sliding) hour, across all the namespaces this policy covers',
          { minimum: 0 },
        ),
        maxConcurrent: int(
          'At most this many remediations executing or verifying at once, across all the namespaces this policy covers',
          { minimum: 0 },
        ),
        maxConcurrentPercent: int(
          "At most this share of a namespace's Deployments under remediation at once (at least one may always run)",
          { minimum: 0, maximum: 100 },
        ),
        pauseWhenFailing: int(
          'No execution while more than this many remediations covered by the policy ended Failed or TimedOut in the last hour',
          { minimum: 0 },
        ),
        whenExhausted: oneOf(
          ['Wait', 'Escalate'],
          'Wait (default): the remediation stays Blocked (reason BudgetExhausted) until the budget frees up, within its global timeout. Escalate: it ends at once, Completed with outcome ManualReviewRequired, and a person is notified',
        ),
      },
      [],
      undefined,
      {
        'x-kubernetes-validations': [
          {
            rule: 'has(self.executionsPerHour) || has(self.maxConcurrent) || has(self.maxConcurrentPercent) || has(self.pauseWhenFailing)',
            message: 'a budget sets at least one limit',
          },
        ],
      },
    ),
    // Rollback on an ineffective verdict (docs/invariants.md I11): self-contained, read by activities/rollback.ts.
    rollback: obj(
      {
        on: list(
          oneOf(ROLLBACK_TRIGGERS),
          'Verdicts that undo the action: Unrecoverable (neither healthy nor changed as intended), HealthWorse (health score below the one recorded just before the action)',
          { maxItems: ROLLBACK_TRIGGERS.length },
        ),
      },
      ['on'],
      'Undo a compensable action (restart, scale, set-resources) whose assessment ends with one of these verdicts',
    ),
    // The approval ladder with quorum (docs/invariants.md I10, lib/approval-ladder.ts).
    approval,
  }),
  status: obj({}),
};
