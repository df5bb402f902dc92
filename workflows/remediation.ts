/**
 * The remediation workflow: one per RemediationRequest (DESIGN §5).
 *
 *   Pending → Processing → Analyzing → [AwaitingApproval] → Executing → Verifying → [rollback] → Completed
 *
 * with Failed, TimedOut and Cancelled on the way. Each phase creates its child
 * resource, waits for the child's controller to finish it (woken by the watcher's
 * signal or the deadline: child-wait.ts), and records the step in the RR status and the audit trail.
 */

import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { ChildKind } from '../lib/kinds.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { RemediationView } from '../lib/remediation-view.js';
import { acts } from './activities.js';
import { Remediation, type Settings } from './context.js';
import { cancelExecution } from './execution-stop.js';
import { installHandlers } from './handlers.js';
import { isEnded, Lifecycle } from './lifecycle.js';
import { type Analysis, analyzing, approval, executing, processing, verifying } from './phases.js';
import { refusalOf } from './refusal.js';
import { rollbackIfIneffective } from './rollback.js';
import { routing } from './routing.js';
import { decideMode, SHADOW_PATCH } from './shadow.js';
import { resolveTimeouts, type TimeoutConfig } from './timeouts.js';

export interface RemediationInput {
  namespace: string;
  name: string;
  uid: string;
  spec: RemediationRequestSpec;
  /** From the RR's status.timeoutConfig at creation. */
  timeoutOverrides?: Record<string, string>;
  settings?: Partial<Settings> & { defaultTimeouts?: Partial<TimeoutConfig> };
}

const DEFAULT_SETTINGS: Settings = { safetyRecheckMs: 60_000, stabilizationWindow: '30s', dryRun: false };
/** Histories recorded before routing existed replay without it (see README, replay test). */
const ROUTING_PATCH = 'routing-before-execution';
/** Histories recorded when an Inconclusive completion was announced as "Remediated". */
const HONEST_COMPLETION_PATCH = 'inconclusive-completion-notice';
/** Histories from before each phase raced its deadline (Lifecycle.within). */
const DEADLINE_SCOPES_PATCH = 'phase-deadline-scopes';
/** Histories from before a refused step (Category C) failed the RR instead of the run. */
const REFUSALS_PATCH = 'category-c-refusals';

export async function remediationWorkflow(input: RemediationInput): Promise<RemediationView> {
  const r = new Remediation(
    input.spec,
    { namespace: input.namespace, name: input.name, uid: input.uid },
    { ...DEFAULT_SETTINGS, ...input.settings },
  );
  installHandlers(r);
  const hold: { l?: Lifecycle } = {};
  try {
    return await lifecycle(r, input, hold);
  } catch (err) {
    // Category C: the apiserver refused a step for good; fail the RR at once, saying so.
    const refusal = refusalOf(err);
    if (refusal && hold.l && patched(REFUSALS_PATCH)) {
      // The execution, if one runs, is stopped before the lock can go (I2).
      await cancelExecution(r, 'ExecutionCancelled', `ExecutionCancelled: ${input.name} failed: ${refusal}`);
      return await hold.l.refused(refusal);
    }
    if (!isCancellation(err)) throw err;
    // The RR was deleted: stop, mark unfinished children, record it — even though
    // this workflow is being cancelled.
    return await CancellationScope.nonCancellable(async () => {
      await cancelExecution(r, 'ParentCancelled', 'ParentCancelled: the RemediationRequest was deleted');
      const children = Object.values(r.view.children).map((c) => ({
        kind: c!.kind as ChildKind,
        name: c!.name,
      }));
      await acts.markChildrenCancelled({ namespace: input.namespace, children });
      return r.finish('Cancelled', {
        message: 'The RemediationRequest was deleted',
        failureReason: 'ParentCancelled',
      });
    });
  }
}

async function lifecycle(r: Remediation, input: RemediationInput, hold: { l?: Lifecycle }) {
  const { spec } = r;
  await r.audit('orchestrator.lifecycle.started', 'success', {
    signal_name: spec.signalName,
    target: targetDisplay(spec.targetResource),
  });
  const t = resolveTimeouts(input.settings?.defaultTimeouts, input.timeoutOverrides);
  if ('error' in t) {
    return r.finish('Failed', {
      message: `Invalid timeout configuration: ${t.error}`,
      failurePhase: 'Configuration',
      failureReason: t.error,
    });
  }
  r.view.timeoutConfig = t.config;
  await r.audit('orchestrator.lifecycle.created', 'success', { timeout_config: t.config });
  const l = new Lifecycle(r, t, patched(DEADLINE_SCOPES_PATCH));
  hold.l = l;

  const sp = await processing(l);
  if (isEnded(sp)) return sp.ended;
  const analysis = await analyzing(l, sp);
  if (isEnded(analysis)) return analysis.ended;
  if (patched(SHADOW_PATCH)) {
    const shadowed = await decideMode(l, analysis);
    if (shadowed) return shadowed.ended;
  }
  if (analysis.approvalRequired) {
    const refused = await approval(l, sp, analysis);
    if (refused) return refused.ended;
  }
  if (patched(ROUTING_PATCH)) {
    const blocked = await routing(l, analysis);
    if (blocked) return blocked.ended;
  }
  const we = await executing(l, analysis);
  if (isEnded(we)) return we.ended;
  const verified = await verifying(l, analysis, we);
  if (isEnded(verified)) return verified.ended;
  const rolledBack = await rollbackIfIneffective(l, analysis, verified.ea);
  if (rolledBack) return rolledBack.ended;
  return complete(r, analysis, verified.ea);
}

/** Completed: Remediated when the assessment confirms it, Inconclusive otherwise; people are told which. */
async function complete(r: Remediation, a: Analysis, ea: ChildSnapshot): Promise<RemediationView> {
  const { spec, owner } = r;
  const { sel, target } = a;
  const effective =
    ea.status.phase === 'Completed' && ['Full', 'Partial'].includes(ea.status.assessmentReason as string);
  const assessment = (ea.status.assessmentReason as string | undefined) ?? 'n/a';
  // Said "Remediated" whatever the outcome before the patch; an Inconclusive one now says so.
  const inconclusive = !effective && patched(HONEST_COMPLETION_PATCH);
  await r.notify(
    'completion',
    {
      type: 'Completion',
      priority: 'Low',
      subject: inconclusive
        ? `Remediation inconclusive: ${spec.signalName} on ${targetDisplay(target)}`
        : `Remediated: ${spec.signalName} on ${targetDisplay(target)}`,
      body: inconclusive
        ? `${owner.name} ran ${sel.workflowId}, but the assessment could not confirm that it worked (assessment: ${assessment}); check ${targetDisplay(target)}.`
        : `${owner.name} ran ${sel.workflowId}; assessment: ${assessment}.`,
    },
    { ending: true },
  );
  return r.finish('Completed', {
    outcome: effective ? 'Remediated' : 'Inconclusive',
    message: effective ? `Remediated by ${sel.workflowId}` : `Ran ${sel.workflowId}; effect inconclusive`,
  });
}
