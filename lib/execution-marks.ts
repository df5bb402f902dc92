/**
 * Annotations the WorkflowExecution controller leaves on an execution (Kubernaut's
 * WorkflowExecution status has no fields for them): the target's spec hash before
 * and after the action, a dry run's diff, and what a compensable action is about to
 * change (lib/rollback/prior-state.ts). Here, below workers and activities, because
 * the rollback activity reads what the controller wrote.
 */
export const SPEC_HASH_BEFORE = 'kubernaut.ai/spec-hash-before';
export const SPEC_HASH_AFTER = 'kubernaut.ai/spec-hash-after';
export const DRY_RUN_DIFF = 'kubernaut.ai/dry-run-diff';
export const PRIOR_STATE = 'kubernaut.ai/prior-state';
