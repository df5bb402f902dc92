/**
 * Waiting for a child's controller (DESIGN §5.2): read the child, and if it is not
 * done, sleep until a watcher signal (childStatusChanged), `orWhen`, or the deadline —
 * then read again. Runs from before `no-periodic-child-reread` also woke every
 * `safetyRecheckMs` (60 s) to re-read in case a watch event was missed; with a
 * bounded workflow cache each such wake replays the whole history, so the cost of
 * waiting grew with the number of remediations parked. The watchers now guarantee
 * that every change of a watched field is signalled, even across watch gaps, lost
 * signals and worker restarts (docs/invariants.md, "Parked waits"), and the wait
 * still reads the child once more at its deadline, so a change seen late is never
 * taken for a timeout.
 */
import { condition, patched } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { ChildKind } from '../lib/kinds.js';
import type { StepActivities } from './activities.js';

/** Histories from before parked waits stopped waking every safetyRecheckMs to re-read their child. */
export const NO_PERIODIC_REREAD_PATCH = 'no-periodic-child-reread';

export interface WaitState {
  readonly steps: StepActivities;
  readonly owner: { namespace: string };
  readonly settings: { safetyRecheckMs: number };
  /** Bumped by the childStatusChanged signal. */
  readonly childSignals: number;
}

/**
 * Waits until `done(status)` holds for a child; 'timeout' once `deadline` (workflow
 * time, ms) has passed and a last read still says not done, 'interrupted' when
 * `orWhen` holds first (e.g. an approval update). The deadline's timer is the only
 * one: it fires exactly when `deadline` is reached, as before.
 */
export async function waitForChild(
  r: WaitState,
  kind: ChildKind,
  name: string,
  done: (status: Record<string, unknown>) => boolean,
  deadline: number,
  orWhen: () => boolean = () => false,
): Promise<ChildSnapshot | 'timeout' | 'interrupted'> {
  // Decided once per wait: a run from before the patch keeps re-reading until this wait ends.
  const recheckMs = patched(NO_PERIODIC_REREAD_PATCH) ? Number.POSITIVE_INFINITY : r.settings.safetyRecheckMs;
  for (;;) {
    // Counted before the read: a signal that arrives during it wakes the next sleep at once.
    const seen = r.childSignals;
    const snap = await r.steps.readChild({ kind, namespace: r.owner.namespace, name });
    if (snap && done(snap.status)) return snap;
    if (orWhen()) return 'interrupted';
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'timeout';
    await condition(() => r.childSignals !== seen || orWhen(), Math.min(remaining, recheckMs));
  }
}
