/**
 * What a workflow's history says about how it was woken: timers that fired (a
 * periodic re-read, a deadline) and the child watchers' signals it received.
 */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/** Timers that fired in the run. */
export const timersFiredIn = (h: History): number =>
  (h.events ?? []).filter((e) => e.timerFiredEventAttributes).length;

/** The childStatusChanged signals the run received, with what each said. */
export function childSignalsIn(h: History): { kind: string; name: string; phase?: string }[] {
  return (h.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((s) => s?.signalName === 'childStatusChanged')
    .map((s) => JSON.parse(Buffer.from(s!.input!.payloads![0]!.data!).toString('utf8')));
}

/**
 * The run sleeps: its last workflow task has completed and none is scheduled since.
 * An RR shows AwaitingApproval before its wait has read the RAR (the same task goes
 * on to notify and read); once this holds, the wait has read it and sleeps.
 */
export function isParked(h: History): boolean {
  let completed = -1;
  let scheduled = -1;
  (h.events ?? []).forEach((e, i) => {
    if (e.workflowTaskCompletedEventAttributes) completed = i;
    if (e.workflowTaskScheduledEventAttributes) scheduled = i;
  });
  return completed > scheduled;
}
