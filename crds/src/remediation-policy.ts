/**
 * RemediationPolicy: guardrails an operator sets for the remediations of a set of
 * target namespaces (docs/policies.md). Lives in the namespace the RRs live in (the
 * orchestrator's), so only those who may write there set it; mutable, read afresh by
 * every routing pass, so a change applies to the next remediation without a restart.
 *
 * Today: a blast-radius budget — at most N executions per hour across the selected
 * namespaces (activities/budget.ts). Not a Kubernaut kind: an addition.
 */
import { type CrdDefinition, int, list, obj, oneOf, str } from './schema.js';

export const remediationPolicy: CrdDefinition = {
  kind: 'RemediationPolicy',
  plural: 'remediationpolicies',
  singular: 'remediationpolicy',
  shortNames: ['rpol'],
  description: 'Guardrails for the remediations of a set of target namespaces.',
  columns: [
    { name: 'Namespaces', type: 'string', jsonPath: '.spec.targetNamespaces' },
    { name: 'Executions/h', type: 'integer', jsonPath: '.spec.budget.executionsPerHour' },
    { name: 'When Exhausted', type: 'string', jsonPath: '.spec.budget.whenExhausted' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj({
    targetNamespaces: list(
      str(undefined, { minLength: 1, maxLength: 63 }),
      'The namespaces of the targets this policy covers; absent or empty: every namespace',
      { maxItems: 256 },
    ),
    budget: obj(
      {
        executionsPerHour: int(
          'At most this many remediations start executing in any hour, across all the namespaces this policy covers',
          { minimum: 0 },
        ),
        whenExhausted: oneOf(
          ['Wait'],
          'Wait: the remediation stays Blocked (reason BudgetExhausted) until the budget frees up, within its global timeout',
        ),
      },
      ['executionsPerHour'],
    ),
  }),
  status: obj({}),
};
