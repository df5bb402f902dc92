/**
 * Rolling back (docs/invariants.md I11): after Verifying, when a RemediationPolicy
 * covering the target lists the assessment's verdict under `rollback.on`, the workflow
 * writes back what the execution recorded before acting, waits for the target to be
 * healthy again (the `verifying` timeout, counted from here), and the RR ends
 * Completed / RolledBack. A rollback that cannot be done — the target changed since,
 * nothing recorded, refused, not healthy in time — ends it Completed /
 * ManualReviewRequired: a person must look. Every step is audited.
 */
import { patched, sleep } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { RestoreResult } from '../activities/rollback.js';
import { childName } from '../lib/kinds.js';
import type { Health } from '../lib/kube/target-health.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { type AssessmentFacts, rollbackTrigger } from '../lib/rollback/policy.js';
import { acts } from './activities.js';
import { type Ended, ended, type Lifecycle } from './lifecycle.js';
import type { Analysis } from './phases.js';
import { refusalOf } from './refusal.js';

/** Histories from before rollbacks went straight from Verifying to completion. */
export const ROLLBACK_PATCH = 'rollback-on-ineffective';

const FIRST_POLL_MS = 1_000;
const MAX_POLL_MS = 15_000;

/** Undoes the action when the policy asks for it; undefined: the remediation's result stands. */
export async function rollbackIfIneffective(
  l: Lifecycle,
  a: Analysis,
  ea: ChildSnapshot,
): Promise<Ended | undefined> {
  if (!patched(ROLLBACK_PATCH)) return undefined;
  const { r } = l;
  const execution = childName('WorkflowExecution', r.owner.name);
  const plan = await acts.rollbackPlan({
    namespace: r.owner.namespace,
    execution,
    targetNamespace: a.target.namespace ?? '',
  });
  const trigger = rollbackTrigger(plan.on, ea.status as AssessmentFacts, plan.prior);
  if (!trigger) return undefined;

  const deadline = l.deadlineFor('verifying');
  const data = {
    workflow_execution: execution,
    action_type: a.sel.actionType,
    trigger,
    assessment: ea.status.assessmentReason,
    health_before: plan.prior?.health.score,
    health_after: (ea.status as AssessmentFacts).components?.healthScore,
    target: targetDisplay(a.target),
  };
  await r.audit('orchestrator.rollback.started', 'pending', data);
  r.view.message = `Rolling back ${a.sel.workflowId} on ${targetDisplay(a.target)} (${trigger})`;
  await r.writeStatus();

  let restored: RestoreResult | 'deadline';
  try {
    restored = await l.within(deadline, () =>
      acts.restorePriorState({ namespace: r.owner.namespace, execution }),
    );
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    return cannotRollBack(l, a, data, 'Refused', refusal);
  }
  if (restored === 'deadline')
    return cannotRollBack(l, a, data, 'DeadlineExceeded', 'the restore did not finish in time');
  if (restored.result !== 'restored' && restored.result !== 'already-restored')
    return cannotRollBack(l, a, data, REASON[restored.result], restored.detail);

  const health = await l.within(deadline, () => untilHealthy(a, deadline));
  if (health === 'deadline' || !health.healthy)
    return cannotRollBack(
      l,
      a,
      data,
      'NotHealthy',
      `restored, but ${targetDisplay(a.target)} is not healthy by the deadline${health === 'deadline' ? '' : ` (${health.detail})`}`,
    );
  await r.audit('orchestrator.rollback.completed', 'success', {
    ...data,
    restored: restored.detail,
    health: health.detail,
  });
  await r.notify(
    'rollback',
    {
      type: 'StatusUpdate',
      priority: 'High',
      subject: `Rolled back: ${a.sel.workflowId} on ${targetDisplay(a.target)}`,
      body: `${r.owner.name} ran ${a.sel.workflowId}, and the assessment found it made things worse (${trigger}); ${restored.detail}. ${targetDisplay(a.target)} is healthy again (${health.detail}). The original problem (${r.spec.signalName}) is not solved.`,
    },
    { ending: true },
  );
  // Kubernaut's RR CRD has no RolledBack: there the nearest outcome it has, and the message says it.
  const ours = await acts.acceptsOutcome({
    namespace: r.owner.namespace,
    name: r.owner.name,
    outcome: 'RolledBack',
  });
  const message = `Rolled back ${a.sel.workflowId} (${trigger}): ${restored.detail}`;
  return ended(
    await r.finish('Completed', {
      outcome: ours ? 'RolledBack' : 'Inconclusive',
      message: ours ? message : `RolledBack: ${message}`,
    }),
  );
}

const REASON: Record<Exclude<RestoreResult['result'], 'restored' | 'already-restored'>, string> = {
  'changed-since': 'TargetChanged',
  'nothing-recorded': 'NothingRecorded',
  gone: 'TargetGone',
};

/** Polls the target's health (backing off) until healthy or the deadline; the last reading. */
async function untilHealthy(a: Analysis, deadline: number): Promise<Health> {
  let wait = FIRST_POLL_MS;
  for (;;) {
    const h = await acts.readTargetHealth({ target: a.target });
    if (h.healthy || Date.now() + wait >= deadline) return h;
    await sleep(wait);
    wait = Math.min(wait * 2, MAX_POLL_MS);
  }
}

/** The rollback could not be done: a person must look. */
async function cannotRollBack(
  l: Lifecycle,
  a: Analysis,
  data: Record<string, unknown>,
  reason: string,
  detail: string,
): Promise<Ended> {
  const { r } = l;
  await r.audit('orchestrator.rollback.failed', 'failure', { ...data, reason, detail });
  await r.notify(
    'manual-review',
    {
      type: 'ManualReview',
      priority: 'High',
      subject: `Rollback failed: ${a.sel.workflowId} on ${targetDisplay(a.target)}`,
      body: `${r.owner.name} ran ${a.sel.workflowId}, the assessment found it ineffective, and rolling it back failed (${reason}): ${detail}. Check ${targetDisplay(a.target)}.`,
    },
    { ending: true },
  );
  return ended(
    await r.finish('Completed', {
      outcome: 'ManualReviewRequired',
      message: `Rollback of ${a.sel.workflowId} failed (${reason}): ${detail}`,
    }),
  );
}
