/**
 * The apiserver refused a step for good (Kubernaut's Category C;
 * activities/error-categories.ts): no retry helps. Kept apart from the lifecycle so
 * that the remediation's own context can recognise one without a cycle.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** The refusal's message, or undefined for any other error. */
export function refusalOf(err: unknown): string | undefined {
  // An activity's failure arrives wrapped (ActivityFailure); a local activity's, as itself.
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (failure instanceof ApplicationFailure && failure.type === 'CategoryC') return failure.message;
  return undefined;
}
