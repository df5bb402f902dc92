/**
 * Steps that run to their end: a local activity the workflow started is never
 * cancelled by the workflow (invariant I1, docs/invariants.md).
 *
 * Why: the SDK's core applies a local activity's result the moment it arrives, even
 * while the workflow is still working on an activation. A deadline (or an RR
 * deletion) that cancels the scope in that same activation sends a cancel for an
 * activity core has already resolved, and core fails that workflow task with
 * "[TMPRL1100] Nondeterminism error: Invalid transition in state machine" — and
 * again on every retry, for the race repeats itself: after a worker crash the
 * unrecorded step is re-run live in the very task that delivers the deadline's timer
 * (test/workflow/deadline-meets-step.test.ts reproduces it).
 *
 * So a step runs in a non-cancellable scope, and the deadline that would have
 * cancelled it bounds it instead: the earliest deadline of the races (raceDeadline)
 * whose cancellation reaches the caller. When that deadline passes (or the RR is
 * deleted) the caller unwinds at once, as it always did, and the step is left to its
 * bound: no attempt of it starts after the deadline, and the run closes once it has
 * stopped (at most one retry backoff later). A step outside every deadline runs to its
 * end. A step the caller asks for after its scope was cancelled is never started.
 */
import {
  ActivityFailure,
  CancellationScope,
  type LocalActivityOptions,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';

/** The deadline (workflow time, ms) of each race's work scope. */
const DEADLINES = new WeakMap<CancellationScope, number>();

/** Called by raceDeadline: `scope` is cancelled when `deadline` passes. */
export function bindDeadline(scope: CancellationScope, deadline: number): void {
  DEADLINES.set(scope, deadline);
}

/**
 * The earliest deadline whose cancellation reaches `scope`: up through the cancellable
 * scopes, stopping at a non-cancellable one (a cancel above it does not get through).
 */
export function deadlineReaching(scope: CancellationScope): number | undefined {
  let earliest: number | undefined;
  for (let s: CancellationScope | undefined = scope; s; s = s.parent) {
    const d = DEADLINES.get(s);
    if (d !== undefined) earliest = earliest === undefined ? d : Math.min(earliest, d);
    if (!s.cancellable) break;
  }
  return earliest;
}

/**
 * The step's own bound ended it: mid-attempt (schedule-to-close) or before a retry
 * (schedule-to-start). Live, the SDK hands the timeout over wrapped in an
 * ActivityFailure; replayed from the step's marker, bare — both must read the same.
 */
function ranOutOfTime(err: unknown): boolean {
  const timeout = err instanceof ActivityFailure ? err.cause : err;
  return (
    timeout instanceof TimeoutFailure &&
    (timeout.timeoutType === 'SCHEDULE_TO_CLOSE' || timeout.timeoutType === 'SCHEDULE_TO_START')
  );
}

function start(options: LocalActivityOptions, name: string, args: unknown[]): Promise<unknown> {
  return CancellationScope.nonCancellable(() => {
    const proxy = proxyLocalActivities(options) as Record<string, (...a: unknown[]) => Promise<unknown>>;
    return proxy[name]!(...args);
  });
}

async function runToEnd(options: LocalActivityOptions, name: string, args: unknown[]): Promise<unknown> {
  const scope = CancellationScope.current();
  // What the SDK does for a step asked for in a cancelled scope: not started, cancelled.
  if (scope.consideredCancelled) return scope.cancelRequested;
  const deadline = deadlineReaching(scope);
  // No deadline reaches the caller: the step runs to its end, however long its retries take.
  if (deadline === undefined) return start(options, name, args);
  // The deadline bounds the step. Core drops a schedule-to-close that falls while a
  // step backs off between retries, and checks schedule-to-start before each retry:
  // with both, no attempt starts after the deadline.
  const bound = Math.max(1, deadline - Date.now());
  const step = start(
    { ...options, scheduleToCloseTimeout: bound, scheduleToStartTimeout: bound },
    name,
    args,
  );
  try {
    // The caller unwinds when its scope is cancelled; the step, left to its bound, is
    // not cancelled (its result, when it comes, is recorded and ignored).
    return await Promise.race([step, scope.cancelRequested]);
  } catch (err) {
    // Out of time at the deadline: the deadline's timer cancels this scope next.
    if (ranOutOfTime(err)) return scope.cancelRequested;
    throw err;
  }
}

/** Local activity stubs, like proxyLocalActivities(options), whose calls run to their end. */
export function stepsRunToEnd<A extends object>(options: LocalActivityOptions): A {
  return new Proxy({} as A, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => runToEnd(options, name, args);
    },
  });
}
