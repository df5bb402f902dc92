/**
 * ActionType: one entry of the action taxonomy that RemediationWorkflows name in
 * spec.actionType. The AIAnalysis controller registers each one and counts the
 * valid workflows that use it; a workflow naming an unknown action type is not
 * validated.
 */
import { ACTION_TYPE_PATTERN, catalogDescription } from './catalog-fields.js';
import { bool, type CrdDefinition, int, obj, oneOf, str, time } from './schema.js';

export const actionType: CrdDefinition = {
  kind: 'ActionType',
  plural: 'actiontypes',
  singular: 'actiontype',
  shortNames: ['at'],
  description: 'An action type of the remediation taxonomy.',
  columns: [
    { name: 'Action Type', type: 'string', jsonPath: '.spec.name' },
    { name: 'Workflows', type: 'integer', jsonPath: '.status.activeWorkflowCount' },
    { name: 'Registered', type: 'boolean', jsonPath: '.status.registered' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Description', type: 'string', jsonPath: '.spec.description.what', priority: 1 },
  ],
  spec: obj(
    {
      name: str('PascalCase identifier; cannot change after creation', {
        minLength: 1,
        maxLength: 255,
        pattern: ACTION_TYPE_PATTERN,
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'spec.name cannot change after creation' }],
      }),
      description: catalogDescription('action type'),
    },
    ['name', 'description'],
  ),
  status: obj({
    registered: bool('Whether the catalog has taken it in'),
    registeredAt: time(),
    registeredBy: str(),
    activeWorkflowCount: int('Valid RemediationWorkflows naming this action type'),
    catalogStatus: oneOf(['Active', 'Invalid', 'Pending', 'Deprecated', 'Archived', 'Disabled', 'Superseded']),
    previouslyExisted: bool(),
  }),
};
