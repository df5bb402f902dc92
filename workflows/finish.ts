/**
 * Ending a remediation in a terminal phase: the target lock released (when nothing
 * the execution started still runs, execution-stop.ts), the phase entered, and the
 * ending audited with the final RR status, so a reconstruction of a finished
 * remediation can be checked against it.
 */
import { crdOutcome, type RemediationOutcome, type RemediationPhase } from '../lib/domain.js';
import type { RemediationView } from '../lib/remediation-view.js';
import type { Remediation } from './context.js';
import { projectStatus } from './status-projection.js';

export type FinalPhase = 'Completed' | 'Failed' | 'TimedOut' | 'Skipped' | 'Cancelled';

export interface FinishDetails {
  message: string;
  outcome?: RemediationOutcome;
  failurePhase?: string;
  failureReason?: string;
  timeoutPhase?: RemediationPhase;
}

/** Ends the remediation in a terminal phase and records why. */
export async function finish(
  r: Remediation,
  phase: FinalPhase,
  details: FinishDetails,
): Promise<RemediationView> {
  await r.releaseLock();
  const from = r.view.phase;
  Object.assign(r.view, {
    outcome: details.outcome,
    failurePhase: details.failurePhase,
    failureReason: details.failureReason,
    timeoutPhase: details.timeoutPhase,
    ...(details.timeoutPhase ? { timeoutTime: r.now() } : {}),
  });
  r.view.completedAt = r.now();
  await r.enter(phase, details.message);
  const durationMs = Date.parse(r.view.completedAt) - Date.parse(r.view.startTime);
  const data = {
    from_phase: from,
    final_phase: phase,
    outcome: details.outcome,
    // Shadow is no CRD outcome: a reconstruction takes the RR's from here (I12).
    ...(details.outcome === 'Shadow' ? { crd_outcome: crdOutcome(details.outcome) } : {}),
    failure_phase: details.failurePhase,
    failure_reason: details.failureReason,
    timeout_phase: details.timeoutPhase,
    timeout_time: r.view.timeoutTime,
    completed_at: r.view.completedAt,
    message: details.message,
    // The RR status as the workflow wrote it last: a reconstruction of a finished
    // remediation can be checked against it field by field.
    rr_status: projectStatus(r.view, r.spec),
    ...(r.notificationsRefused.length > 0 ? { notifications_refused: [...r.notificationsRefused] } : {}),
  };
  if (phase === 'Completed') {
    await r.audit('orchestrator.lifecycle.completed', 'success', data, { duration_ms: durationMs });
  } else {
    await r.audit('orchestrator.lifecycle.failed', 'failure', data, {
      duration_ms: durationMs,
      error_code:
        phase === 'TimedOut'
          ? 'Timeout'
          : phase === 'Cancelled'
            ? 'Cancelled'
            : (details.failurePhase ?? 'Failed'),
      error_message: details.failureReason ?? details.message,
    });
  }
  return r.view;
}
