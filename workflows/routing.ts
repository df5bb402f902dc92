/**
 * Routing before execution (DESIGN §5.5): ask whether anything blocks this RR; if
 * so, show Blocked with the reason, audit and notify once, and wait — for the time
 * the block names, or for a routingChanged signal when another RR finishes — then
 * ask again. A duplicate inherits the outcome of the RR it waited for.
 */
import { condition } from '@temporalio/workflow';
import { isTerminalPhase } from '../lib/domain.js';
import type { TargetResource } from '../lib/remediation-request.js';
import { acts } from './activities.js';
import type { Selection } from './children.js';
import type { Remediation } from './context.js';

export type RoutingResult =
  | { kind: 'proceed' }
  | { kind: 'timeout' }
  | {
      kind: 'inherit';
      from: string;
      phase: string;
      outcome?: string;
      failurePhase?: string;
      failureReason?: string;
    };

export async function routeBeforeExecution(
  r: Remediation,
  target: TargetResource,
  sel: Selection,
  globalDeadline: number,
  recheckMs: number,
): Promise<RoutingResult> {
  let lastReason: string | undefined;
  for (;;) {
    const dup = r.view.routing?.duplicateOf;
    if (dup) {
      const o = await acts.readRemediationOutcome({ namespace: r.owner.namespace, name: dup });
      if (isTerminalPhase(o.phase)) return { kind: 'inherit', from: dup, ...o, phase: o.phase! };
    }
    const block = await acts.evaluateRouting({
      namespace: r.owner.namespace,
      name: r.owner.name,
      uid: r.owner.uid,
      fingerprint: r.spec.signalFingerprint,
      target,
      workflowId: sel.workflowId,
      ...(r.settings.routingRules ? { rules: r.settings.routingRules } : {}),
    });
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
    const seen = r.routingSignals;
    const wait = Math.max(0, Math.min(until - Date.now(), recheckMs));
    if (wait > 0) await condition(() => r.routingSignals !== seen, wait);
    if (Date.now() >= globalDeadline) return { kind: 'timeout' };
  }
}
