/**
 * The target lock outlives the execution (invariant I2, docs/invariants.md): it is
 * held from the first action until the WorkflowExecution is over and nothing it
 * started still runs. When Executing ends without the execution finishing — its
 * deadline, the RR deleted, a refused step — the execution is cancelled first; the
 * lock is released (Remediation.releaseLock) only once nothing it started runs, and
 * if that cannot be seen within a bound, the RR still ends and the lock is kept, for
 * the next taker to find stale once the bundle Job is gone (activities/target-lock.ts).
 */
import { condition } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { CancelReason } from '../lib/execution-stop.js';
import { acts } from './activities.js';
import type { Remediation } from './context.js';
import { raceDeadline } from './lifecycle.js';
import { refusalOf } from './refusal.js';

/** Histories from before an execution was stopped ahead of the lock's release. */
export const EXECUTION_STOP_PATCH = 'execution-stops-before-release';

/** How long to wait for an execution to be seen stopped (settings.executionStopGraceMs). */
export const DEFAULT_STOP_GRACE_MS = 60_000;

/**
 * How often the stop is looked at again with no watcher signal: a stop is confirmed
 * by a status change that does signal, but an execution already deleted (the RR's
 * children collected) can only be looked at.
 */
const STOP_RECHECK_MS = 5_000;

const refOf = (r: Remediation) => ({
  namespace: r.owner.namespace,
  name: r.execution!.name,
  targetNamespace: r.execution!.targetNamespace,
});

/**
 * Cancels the execution this RR started, unless it has finished: answers its own
 * outcome if it finished first (that is what the RR reports), else undefined. A
 * refused cancel (Category C) is left for the lock to show: the execution is not seen
 * stopped, so the lock is kept.
 */
export async function cancelExecution(
  r: Remediation,
  reason: CancelReason,
  message: string,
): Promise<ChildSnapshot | undefined> {
  if (!r.execution) return undefined;
  try {
    const c = await acts.cancelExecution({ ...refOf(r), reason, message });
    return c.outcome === 'finished' ? c.execution : undefined;
  } catch (err) {
    if (refusalOf(err)) return undefined;
    throw err;
  }
}

/**
 * Waits until nothing the execution started still runs, for at most the grace
 * (racing nothing else: the phase's deadline has passed or does not apply); true —
 * and the execution forgotten — if so. False leaves the lock held.
 */
export async function executionStopped(r: Remediation): Promise<boolean> {
  if (!r.execution) return true;
  const ref = refOf(r);
  const grace = r.settings.executionStopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const recheck = Math.min(STOP_RECHECK_MS, r.settings.safetyRecheckMs);
  const seen = await raceDeadline(Date.now() + grace, async () => {
    for (;;) {
      const signals = r.childSignals;
      if (await acts.executionStopped(ref)) return true;
      await condition(() => r.childSignals !== signals, recheck);
    }
  }).catch((err) => {
    if (refusalOf(err)) return false;
    throw err;
  });
  if (seen !== true) return false;
  r.execution = undefined;
  return true;
}

/**
 * Releases the target lock this RR holds (on leaving Executing, and on finish) —
 * only once nothing its execution started still runs.
 */
export async function releaseLock(r: Remediation): Promise<void> {
  if (!r.lockTarget) return;
  if (!(await executionStopped(r))) return; // kept, for the next taker to find stale (I2)
  await r.steps.releaseTargetLock({
    namespace: r.owner.namespace,
    name: r.owner.name,
    target: r.lockTarget,
  });
  r.lockTarget = undefined;
}
