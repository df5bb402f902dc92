/**
 * What every phase of one remediation shares: its deadlines, the step it is on, and
 * the ways it can end early — failed, timed out, refused by the apiserver.
 *
 * Deadlines (DESIGN §5.3): each phase runs against min(phase timeout, global
 * deadline). `within` races a phase's whole body — every activity call and every
 * wait in it — against that deadline: a step the apiserver keeps answering with 5xx
 * is retried until the deadline, then the phase times out; nothing retries past it
 * (invariant I1, docs/invariants.md).
 */
import { CancellationScope, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { RemediationPhase } from '../lib/domain.js';
import type { ChildKind } from '../lib/kinds.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { RemediationView } from '../lib/remediation-view.js';
import type { Remediation } from './context.js';
import { bindDeadline } from './step-calls.js';
import type { ResolvedTimeouts, TimeoutKey } from './timeouts.js';

/** failurePhase in Kubernaut's vocabulary: the kind of child (or step) that failed. */
const FAILURE_PHASE: Record<string, string> = {
  Processing: 'SignalProcessing',
  Analyzing: 'AIAnalysis',
  AwaitingApproval: 'Approval',
  Approval: 'Approval',
  Executing: 'WorkflowExecution',
  Blocked: 'Blocked',
};

const LAST_LOOK_PATCH = 'deadline-last-look';

/** A phase that ended the remediation hands back the final view. */
export interface Ended {
  ended: RemediationView;
}
export const ended = (view: RemediationView): Ended => ({ ended: view });
export const isEnded = (v: unknown): v is Ended => typeof v === 'object' && v !== null && 'ended' in v;

/**
 * Runs `body` in a scope cancelled when `deadline` (workflow time, ms) passes;
 * 'deadline' if it did. An outer cancellation goes through unchanged.
 */
export async function raceDeadline<T>(deadline: number, body: () => Promise<T>): Promise<T | 'deadline'> {
  const work = new CancellationScope({ cancellable: true });
  bindDeadline(work, deadline); // the steps in `body` are bounded by it (step-calls.ts)
  const clock = new CancellationScope({ cancellable: true });
  let expired = false;
  clock
    .run(() => sleep(Math.max(1, deadline - Date.now())))
    .then(
      () => {
        expired = true;
        work.cancel();
      },
      () => {}, // the body finished first and stopped the clock
    );
  try {
    return await work.run(body);
  } catch (err) {
    if (expired && isCancellation(err)) return 'deadline';
    throw err;
  } finally {
    clock.cancel();
  }
}

export class Lifecycle {
  readonly globalDeadline: number;
  /** The phase being worked on (set before its child is created, so a refusal names it). */
  step: RemediationPhase | 'Approval' = 'Pending';

  constructor(
    readonly r: Remediation,
    readonly t: ResolvedTimeouts,
    /** Race each phase against its deadline (false for histories from before the patch). */
    readonly racing: boolean,
  ) {
    this.globalDeadline = Date.now() + t.ms.global;
  }

  deadlineFor(key: TimeoutKey): number {
    return Math.min(Date.now() + this.t.ms[key], this.globalDeadline);
  }

  /**
   * Runs `body` in a scope cancelled when `deadline` passes; 'deadline' if it did.
   * An outer cancellation (the RR was deleted) goes through unchanged.
   */
  async within<T>(deadline: number, body: () => Promise<T>): Promise<T | 'deadline'> {
    if (!this.racing) return body();
    return raceDeadline(deadline, body);
  }

  /**
   * A child that finished before its deadline counts, even if the workflow sees it
   * only after (a worker that was down): when the deadline cancelled the wait, look
   * at the child once more, as the wait's own loop did before phases raced their
   * deadlines (histories from before `deadline-last-look` replay without the look).
   */
  async lastLook<T>(
    got: T | 'deadline',
    kind: ChildKind,
    name: string,
    done: (s: Record<string, unknown>) => boolean,
  ): Promise<T | ChildSnapshot | 'deadline'> {
    if (got !== 'deadline' || !patched(LAST_LOOK_PATCH)) return got;
    const snap = await this.r.steps.readChild({ kind, namespace: this.r.owner.namespace, name });
    return snap && done(snap.status) ? snap : 'deadline';
  }

  async fail(phase: string, reason: string, manualReview = false): Promise<Ended> {
    const { r } = this;
    await r.notify(
      manualReview ? 'manual-review' : 'escalation',
      {
        type: manualReview ? 'ManualReview' : 'Escalation',
        priority: 'High',
        subject: `Remediation failed in ${phase}: ${r.spec.signalName}`,
        body: `${r.owner.name} on ${targetDisplay(r.spec.targetResource)} failed during ${phase}: ${reason}`,
      },
      { ending: true },
    );
    return ended(
      await r.finish('Failed', {
        message: `Failed during ${phase}: ${reason}`,
        failurePhase: FAILURE_PHASE[phase] ?? phase,
        failureReason: reason,
      }),
    );
  }

  async timedOut(phase: RemediationPhase): Promise<Ended> {
    const { r } = this;
    const global = Date.now() >= this.globalDeadline;
    await r.notify(
      global ? 'global-timeout' : 'phase-timeout',
      {
        type: 'Escalation',
        priority: global ? 'Critical' : 'High',
        subject: `Remediation timed out in ${phase}: ${r.spec.signalName}`,
        body: `${r.owner.name} exceeded the ${global ? `global timeout (${this.t.config.global})` : `${phase} timeout`}.`,
      },
      { ending: true },
    );
    return ended(
      await r.finish('TimedOut', {
        message: `${global ? 'Global' : `${phase} phase`} timeout expired in ${phase}`,
        // Kubernaut names where a timeout hit in timeoutPhase; failurePhase stays for failures.
        timeoutPhase: phase,
        failureReason: global ? 'GlobalTimeout' : 'PhaseTimeout',
      }),
    );
  }

  /** Category C: no retry helps; fail the RR in the step that was refused, with the server's words. */
  async refused(reason: string): Promise<RemediationView> {
    return (await this.fail(this.step, reason)).ended;
  }
}
