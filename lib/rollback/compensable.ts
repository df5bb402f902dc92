/**
 * Which actions can be undone, and what undoing them restores. An action is
 * compensable when everything it changes is a field of the target's spec that can be
 * written back as it was: the pod template (restart, set-resources) or the replica
 * count (scale). A deleted Pod cannot be brought back, and a cordoned Node is cordoned
 * for a reason a rollback cannot judge; a bundle action (a container run as a Job)
 * declares nothing, so nothing is known about what it changed.
 *
 * Declared here, below the workflow and the controllers, because both read it: the
 * WorkflowExecution controller records the prior state of these fields, the workflow
 * never auto-approves an action that is not compensable (docs/invariants.md I11).
 */
export type RestorableField = 'template' | 'replicas';

/** The built-in actions and what each changes; absent: not compensable. */
const COMPENSATES: Record<string, readonly RestorableField[]> = {
  restart: ['template'],
  'set-resources': ['template'],
  scale: ['replicas'],
};

/** Built-in actions that cannot be undone. */
export const NOT_COMPENSABLE = ['delete-pod', 'cordon-node'] as const;

/** Kinds whose template and replicas a rollback writes back. */
export const RESTORABLE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

export const isCompensable = (action: string): boolean => action in COMPENSATES;

/** What a compensable action changes on the target; empty for any other. */
export const restorableFields = (action: string): readonly RestorableField[] => COMPENSATES[action] ?? [];

/**
 * Why an action must wait for a person whatever the analysis' confidence, or
 * undefined when it may run on its own: only an action declared compensable may.
 * `irreversible`: a built-in action declared not compensable (delete-pod,
 * cordon-node). `undeclared`: anything else — a container bundle (`job`) or an action
 * this code does not know — declares nothing, so nothing could undo it either.
 */
export function approvalNeededFor(action: string): 'irreversible' | 'undeclared' | undefined {
  if (isCompensable(action)) return undefined;
  return (NOT_COMPENSABLE as readonly string[]).includes(action) ? 'irreversible' : 'undeclared';
}
