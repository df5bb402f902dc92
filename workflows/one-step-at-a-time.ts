/**
 * One local activity at a time per remediation (patch `one-local-activity-at-a-time`).
 *
 * Two local activities in flight at once — enter()'s status write and its audit row
 * under Promise.all, a signal handler's audit row while the main flow reads a child,
 * a read the phase deadline cancelled that is still running while lastLook schedules
 * the next — resolve live in the order they finish, but on replay in the order of
 * their markers, grouped into activations differently. With workflow tasks timing
 * out under load (the worker SIGKILLed and restarted, 100 runs replaying at once), the
 * SDK's state machines met that difference: every attempt of the task that handled
 * the phase deadline failed with "[TMPRL1100] Nondeterminism error: Invalid
 * transition in state machine", and the run, retrying that task for ever, never ended
 * its RR (test/reliability/worker-crashes.test.ts, 2026-11-30 and 2026-12-01).
 *
 * So each step waits for the one before it to settle, and a step cancelled by its
 * phase's deadline settles only once the SDK says it has stopped
 * (WAIT_CANCELLATION_COMPLETED: at most its current attempt, ≤ 30 s): no two local
 * activities of a run ever overlap. Runs started before the patch keep their
 * concurrent steps, as their histories recorded them.
 */
import type { StepActivities } from './activities.js';

export function oneStepAtATime(steps: StepActivities): StepActivities {
  let tail: Promise<void> = Promise.resolve();
  const serial =
    <A extends unknown[], R>(step: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const before = tail;
      let settled!: () => void;
      tail = new Promise<void>((resolve) => {
        settled = resolve;
      });
      try {
        await before;
        // Called here, in the caller's cancellation scope: a caller cancelled while it
        // waited its turn is refused at once, as a direct call would be.
        return await step(...args);
      } finally {
        settled();
      }
    };
  return {
    recordAuditEvent: serial(steps.recordAuditEvent),
    writeRemediationStatus: serial(steps.writeRemediationStatus),
    ensureChild: serial(steps.ensureChild),
    readChild: serial(steps.readChild),
    releaseTargetLock: serial(steps.releaseTargetLock),
  };
}
