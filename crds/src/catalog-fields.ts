/**
 * Fields shared by the two catalog kinds (RemediationWorkflow, ActionType): the
 * structured description written for people and for a model choosing a workflow.
 * The shapes follow Kubernaut's catalog kinds so an object written for one
 * project is accepted by the other's CRD.
 */
import { obj, str } from './schema.js';

/** PascalCase action-type identifier (RestartPod, ScaleReplicas). */
export const ACTION_TYPE_PATTERN = '^[A-Z][A-Za-z0-9]*$';

export const catalogDescription = (what: string) =>
  obj(
    {
      what: str(`What the ${what} concretely does`),
      whenToUse: str('Conditions under which it fits'),
      whenNotToUse: str('Conditions under which it must not be used'),
      preconditions: str('What must be verified before it is used'),
    },
    ['what', 'whenToUse'],
    `Structured description of the ${what}, for operators and for a model choosing one`,
  );
