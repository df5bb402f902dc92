/**
 * Routing before execution (DESIGN §5.5): ask whether anything blocks this RR; if
 * so, show Blocked with the reason, audit and notify once, and wait — for the time
 * the block names, or for a routingChanged signal when another RR finishes — then
 * ask again. A duplicate inherits the outcome of the RR it waited for — unless that
 * RR was deleted or cancelled, having remediated nothing.
 */
import { condition, patched } from '@temporalio/workflow';
import type { RoutingInput } from '../activities/routing.js';
import { isTerminalPhase } from '../lib/domain.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { acts } from './activities.js';
import type { Selection } from './children.js';
import type { Remediation } from './context.js';
import { type Ended, ended, type Lifecycle } from './lifecycle.js';
import type { Analysis } from './phases.js';

export type RoutingResult =
  | { kind: 'proceed' }
  | { kind: 'timeout' }
  | { kind: 'escalate'; message: string }
  | {
      kind: 'inherit';
      from: string;
      phase: string;
      outcome?: string;
      failurePhase?: string;
      failureReason?: string;
    };

/**
 * Histories that reached routing before this patch replay the passes as they ran:
 * the signal count taken after a pass's activities, and no second look at the
 * original when evaluateRouting stops naming it (see below).
 */
const ROUTING_PASSES_PATCH = 'routing-passes-v2';

/**
 * An original that was deleted or cancelled remediated nothing: its duplicate stops
 * being one and routing is evaluated afresh. Histories from before this patch
 * inherited 'Cancelled' from it, as "remediated the same signal".
 */
const ORIGINAL_GONE_PATCH = 'routing-duplicate-original-gone';

/**
 * A spent budget whose policy says `whenExhausted: Escalate` hands the remediation to
 * a person instead of waiting. Runs from before this patch never saw `escalate` in a
 * block (the activity did not return it), so only a new block can ask for it.
 */
const BUDGET_ESCALATE_PATCH = 'budget-escalate';

/** The Web UI's BlockReason search attribute: the reason of the last routing block. */
const BLOCK_REASON_ATTRIBUTE_PATCH = 'block-reason-search-attribute';

/** The original's outcome, or 'gone' when there is none to inherit. */
async function readOriginal(r: Remediation, dup: string) {
  const o = await acts.readRemediationOutcome({ namespace: r.owner.namespace, name: dup });
  if (!o.gone) return o;
  return patched(ORIGINAL_GONE_PATCH) ? ('gone' as const) : { phase: 'Cancelled' };
}

/** What routing is asked about this RR (evaluateRouting, and a shadow's dry evaluation). */
export function routingInput(r: Remediation, target: TargetResource, sel: Selection): RoutingInput {
  return {
    namespace: r.owner.namespace,
    name: r.owner.name,
    uid: r.owner.uid,
    fingerprint: r.spec.signalFingerprint,
    target,
    workflowId: sel.workflowId,
    ...(r.settings.routingRules ? { rules: r.settings.routingRules } : {}),
  };
}

export async function routeBeforeExecution(
  r: Remediation,
  target: TargetResource,
  sel: Selection,
  globalDeadline: number,
  recheckMs: number,
): Promise<RoutingResult> {
  let lastReason: string | undefined;
  const v2 = patched(ROUTING_PASSES_PATCH);
  for (;;) {
    // A routingChanged signal that arrives while this pass runs its activities must
    // still end the wait below, so count from the start of the pass.
    const before = r.routingSignals;
    let dup = r.view.routing?.duplicateOf;
    // No longer anyone's duplicate: the status drops duplicateOf and the old block,
    // and whatever blocks it now is announced afresh.
    const forgetOriginal = () => {
      dup = undefined;
      r.view.routing = {};
      lastReason = undefined;
    };
    if (dup) {
      const o = await readOriginal(r, dup);
      if (o === 'gone') forgetOriginal();
      else if (isTerminalPhase(o.phase)) return { kind: 'inherit', from: dup, ...o, phase: o.phase! };
    }
    const block = await acts.evaluateRouting(routingInput(r, target, sel));
    if (v2 && dup && block?.duplicateOf !== dup) {
      // The original was still open at the read above, and evaluateRouting no longer
      // counts it as open: it finished (or went away) between the two reads. If it
      // finished, this RR is still its duplicate and inherits its outcome — rather
      // than forgetting it and, say, waiting out the original's RecentlyRemediated
      // cooldown to run the same remediation again. evaluateRouting may have taken
      // the target lock: finish() releases it (a lock held by another RR is left
      // alone). If it went away, the evaluation just made, without it, stands.
      const o = await readOriginal(r, dup);
      if (o === 'gone') forgetOriginal();
      else if (isTerminalPhase(o.phase)) {
        r.lockTarget = target;
        return { kind: 'inherit', from: dup, ...o, phase: o.phase! };
      }
    }
    if (!block) {
      r.lockTarget = target;
      if (r.view.routing) r.view.routing = { duplicateOf: r.view.routing.duplicateOf };
      return { kind: 'proceed' };
    }
    r.view.routing = {
      blockReason: block.reason,
      blockMessage: block.message,
      ...(block.blockedUntil ? { blockedUntil: block.blockedUntil } : {}),
      ...(block.duplicateOf ? { duplicateOf: block.duplicateOf } : {}),
    };
    if (patched(BLOCK_REASON_ATTRIBUTE_PATCH)) r.blockReason = block.reason;
    if (block.escalate && patched(BUDGET_ESCALATE_PATCH)) {
      // evaluateRouting released the lock and took no unit: nothing is held to give back.
      await r.audit('orchestrator.routing.blocked', 'failure', {
        block_reason: block.reason,
        block_message: block.message,
        blocked_until: block.blockedUntil,
        escalated: true,
      });
      return { kind: 'escalate', message: block.message };
    }
    if (block.reason !== lastReason) {
      lastReason = block.reason;
      await r.enter('Blocked', block.message);
      await r.audit('orchestrator.routing.blocked', 'pending', {
        block_reason: block.reason,
        block_message: block.message,
        blocked_until: block.blockedUntil,
        duplicate_of: block.duplicateOf,
        blocking_remediation: block.blockingRemediation,
        consecutive_failure_count: block.consecutiveFailureCount,
      });
      await r.notify(`blocked-${block.reason.toLowerCase()}`, {
        type: 'StatusUpdate',
        priority: block.reason === 'ConsecutiveFailures' ? 'High' : 'Low',
        subject: `Remediation blocked (${block.reason}): ${r.spec.signalName}`,
        body: `${r.owner.name}: ${block.message}`,
      });
    }
    const until = Math.min(
      block.blockedUntil ? Date.parse(block.blockedUntil) : globalDeadline,
      globalDeadline,
    );
    const seen = v2 ? before : r.routingSignals;
    const wait = Math.max(0, Math.min(until - Date.now(), recheckMs));
    if (wait > 0) await condition(() => r.routingSignals !== seen, wait);
    if (Date.now() >= globalDeadline) return { kind: 'timeout' };
  }
}

/** Routing: duplicates, busy targets, failure streaks, cooldowns, backoff. */
export async function routing(l: Lifecycle, a: Analysis): Promise<Ended | undefined> {
  const { r } = l;
  l.step = 'Blocked';
  const routed = await l.within(l.globalDeadline, () =>
    routeBeforeExecution(r, a.target, a.sel, l.globalDeadline, r.settings.safetyRecheckMs),
  );
  if (routed === 'deadline' || routed.kind === 'timeout') return l.timedOut('Blocked');
  if (routed.kind === 'escalate') return escalated(l, routed.message);
  if (routed.kind === 'inherit') {
    const phase = (
      ['Completed', 'Failed', 'TimedOut', 'Skipped', 'Cancelled'].includes(routed.phase)
        ? routed.phase
        : 'Skipped'
    ) as 'Completed';
    return ended(
      await r.finish(phase, {
        message: `Inherited the outcome of ${routed.from}, which remediated the same signal`,
        outcome: routed.outcome as never,
        failurePhase: routed.failurePhase,
        failureReason: routed.failureReason,
      }),
    );
  }
  return undefined;
}

/**
 * A spent budget whose policy escalates: a person is told, and the RR ends Completed
 * with outcome ManualReviewRequired — nothing was done to the target, and the next
 * alert on it opens a new remediation (I6) that asks the budget again.
 */
async function escalated(l: Lifecycle, message: string): Promise<Ended> {
  const { r } = l;
  await r.notify(
    'manual-review',
    {
      type: 'ManualReview',
      priority: 'High',
      subject: `Manual review needed, budget spent: ${r.spec.signalName}`,
      body: `${r.owner.name} on ${targetDisplay(r.spec.targetResource)} was not remediated: ${message}`,
    },
    { ending: true },
  );
  return ended(await r.finish('Completed', { outcome: 'ManualReviewRequired', message }));
}
