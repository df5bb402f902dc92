/**
 * Built-in WorkflowExecution controller (DESIGN §6): runs the selected action
 * against the target — a built-in action (actions.ts) or a container bundle run
 * as a Job (job-bundle.ts) — and records what changed (spec hash before and
 * after, in words, and for a dry run the diff).
 *
 * Two replicas: the Pending → Running step is a claim, a status write
 * conditional on the resourceVersion read, so only one replica starts the
 * execution; it also fixes the start time and the "before" hash. After that
 * every step is idempotent (see each action), so whichever replica resumes a
 * Running execution after a crash repeats nothing.
 *
 * Cancelled (invariant I2): an execution marked Failed from outside — its
 * remediation gave up on it or was deleted — is never started (the claim is
 * conditional, so it loses to the mark), and one already running is stopped: its
 * bundle Job deleted, then `executionStatus.status: Stopped` recorded, which is what
 * the remediation waits for before it lets the target lock go.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { DRY_RUN_DIFF, PRIOR_STATE, SPEC_HASH_AFTER, SPEC_HASH_BEFORE } from '../../lib/execution-marks.js';
import {
  bundleJobNamespace,
  jobNameFor,
  jobStateOf,
  mustStop,
  readJob,
  targetNamespaceOf,
} from '../../lib/execution-stop.js';
import { CHILD_KINDS } from '../../lib/kinds.js';
import {
  describeTarget,
  parseTargetString,
  readObject,
  type TargetRef,
  targetSpecHash,
} from '../../lib/kube/target.js';
import { healthOf } from '../../lib/kube/target-health.js';
import { priorStateOf } from '../../lib/rollback/prior-state.js';
import { type ActionOutcome, ActionRefused, BUILTIN_ACTIONS } from './actions.js';
import { deleteBundleJob, ensureBundleJob, isBuiltinBundle, jobState } from './job-bundle.js';
import type { Reconciler } from './reconcile-loop.js';
import { annotateIfUnchanged, nowIso, ownerRRName, writeStatusIfUnchanged } from './status-write.js';

/** The target's spec hash before and after the action, and a dry run's diff (annotations on the WE). */
export { DRY_RUN_DIFF, SPEC_HASH_AFTER, SPEC_HASH_BEFORE };

const plural = CHILD_KINDS.WorkflowExecution.plural;
const JOB_POLL_MS = 2_000;

interface Plan {
  target: TargetRef;
  action: string;
  bundle: string;
  params: Record<string, string>;
  dryRun: boolean;
  /** spec.timesOutAt: past it the execution is not started, and its Job is killed. */
  deadline?: string;
}

export function workflowExecutionReconciler(kc: KubeConfig, objects: KubeObjects): Reconciler {
  const fail = async (
    we: KubeObject,
    action: string,
    reason: ActionRefused['reason'] | 'DeadlineExceeded',
    message: string,
  ) => {
    const now = nowIso();
    await writeStatusIfUnchanged(kc, plural, we, {
      phase: 'Failed',
      startTime: (we.status?.startTime as string | undefined) ?? now,
      completionTime: now,
      failureReason: message,
      executionStatus: { status: 'Failed', reason, message },
      failureDetails: {
        failedTaskIndex: 0,
        failedTaskName: action || 'unknown',
        reason,
        message,
        naturalLanguageSummary: `The ${action || 'remediation'} action did not run to completion: ${message}`,
        failedAt: now,
        wasExecutionFailure: we.status?.phase === 'Running',
      },
    });
    return undefined;
  };

  /** Checks everything that can be checked before acting, then claims the execution. */
  async function claim(we: KubeObject, plan: Plan): Promise<KubeObject | 'failed'> {
    const rrName = ownerRRName(we) ?? (we.spec?.remediationRequestRef as { name?: string })?.name;
    const rr = rrName ? await objects.get('remediationrequests', we.metadata.namespace!, rrName) : null;
    if (!rr)
      return fail(we, plan.action, 'ConfigurationError', 'the owning RemediationRequest was not found').then(
        () => 'failed',
      );
    const refusal = outOfScope(plan.target, rr.spec?.targetResource as TargetRef);
    if (refusal) return fail(we, plan.action, 'Forbidden', refusal).then(() => 'failed');
    const unknown = unknownAction(plan);
    if (unknown) return fail(we, plan.action, 'ConfigurationError', unknown).then(() => 'failed');
    // Its remediation has stopped waiting (a WorkflowExecution created as the deadline
    // passed, and missed by the cancel that followed): acting now would race whatever
    // holds the target next.
    if (plan.deadline && Date.parse(plan.deadline) <= Date.now())
      return fail(we, plan.action, 'DeadlineExceeded', `its deadline ${plan.deadline} has passed`).then(
        () => 'failed',
      );
    const obj = await readObject(kc, plan.target);
    if (!obj)
      return fail(we, plan.action, 'ConfigurationError', `${describeTarget(plan.target)} not found`).then(
        () => 'failed',
      );
    const before = await targetSpecHash(kc, plan.target);
    // What a compensable action is about to change, recorded before it can (I11): the
    // action runs only once this claim has landed, after this write.
    const prior =
      isBuiltinBundle(plan.bundle) && !plan.dryRun
        ? priorStateOf(plan.action, obj, healthOf(plan.target.kind, obj), nowIso())
        : undefined;
    // Kubernaut's WorkflowExecution status has no field for these: annotations keep them.
    const marks = {
      ...(before ? { [SPEC_HASH_BEFORE]: before } : {}),
      ...(prior ? { [PRIOR_STATE]: JSON.stringify(prior) } : {}),
    };
    const marked = Object.keys(marks).length ? await annotateIfUnchanged(kc, plural, we, marks) : we;
    return writeStatusIfUnchanged(kc, plural, marked, {
      phase: 'Running',
      startTime: nowIso(),
      workflowName: (we.spec?.workflowRef as { workflowName?: string })?.workflowName,
      executionStatus: { status: 'Running' },
    });
  }

  async function run(we: KubeObject, plan: Plan) {
    const ids = {
      name: we.metadata.name,
      namespace: we.metadata.namespace!,
      uid: we.metadata.uid!,
      startTime: we.status?.startTime as string,
    };
    let outcome: ActionOutcome;
    try {
      if (isBuiltinBundle(plan.bundle)) {
        outcome = await BUILTIN_ACTIONS[plan.action]!({ kc, ...plan, we: ids });
      } else {
        const job = await ensureBundleJob(kc, { image: plan.bundle, ...plan, we: ids });
        const ref = `${job.namespace}/${job.name}`;
        if (plan.dryRun)
          outcome = {
            summary: `Dry run: would run ${plan.bundle} as Job ${ref}`,
            dryRunDiff: `job ${ref}: absent → created`,
          };
        else {
          const s = await jobState(kc, job.namespace, job.name);
          if (s.state === 'failed') return fail(we, plan.action, 'TaskFailed', s.message);
          if (s.state === 'running') {
            if ((we.status?.executionRef as { name?: string })?.name !== job.name)
              await writeStatusIfUnchanged(kc, plural, we, {
                executionRef: { name: job.name },
                executionStatus: { status: 'Running', message: `following Job ${ref}` },
              });
            return { requeueAfterMs: JOB_POLL_MS };
          }
          outcome = { summary: `ran ${plan.bundle} as Job ${ref} on ${describeTarget(plan.target)}` };
        }
      }
    } catch (err) {
      if (err instanceof ActionRefused) return fail(we, plan.action, err.reason, err.message);
      throw err; // transient: the loop retries, and every action is idempotent
    }
    const before = we.metadata.annotations?.[SPEC_HASH_BEFORE];
    const after = plan.dryRun ? (outcome.dryRunSpecHash ?? before) : await targetSpecHash(kc, plan.target);
    const marks = {
      ...(after ? { [SPEC_HASH_AFTER]: after } : {}),
      ...(outcome.dryRunDiff ? { [DRY_RUN_DIFF]: outcome.dryRunDiff } : {}),
    };
    const marked = Object.keys(marks).length ? await annotateIfUnchanged(kc, plural, we, marks) : we;
    const now = nowIso();
    await writeStatusIfUnchanged(kc, plural, marked, {
      phase: 'Completed',
      completionTime: now,
      duration: `${Math.max(0, Math.round((Date.parse(now) - Date.parse(ids.startTime)) / 1000))}s`,
      executionStatus: { status: 'Completed', message: outcome.summary },
    });
    return undefined;
  }

  /**
   * An execution failed from outside while something it started may run. A built-in
   * action is a single call, and it has returned by now: this runs after the
   * reconcile that made the call, never beside it (one at a time per object). So
   * only a bundle Job can still act: it is deleted (foreground: it stays until its
   * Pods are gone) and followed until it is gone or finished; then the stop is
   * recorded. Idempotent: deleting is conditioned on the Job's uid and skipped while
   * it is being deleted; the final write is conditioned on the version read.
   */
  async function stop(we: KubeObject) {
    const ns = bundleJobNamespace(targetNamespaceOf(we.spec?.targetResource), we.metadata.namespace!);
    const job = await readJob(kc, ns, jobNameFor(we.metadata.name));
    const ours = job?.metadata.labels?.['kubernaut.ai/workflow-execution-uid'] === we.metadata.uid;
    if (job && ours && jobStateOf(job).state === 'running') {
      await deleteBundleJob(kc, job);
      return { requeueAfterMs: JOB_POLL_MS };
    }
    const es = (we.status?.executionStatus ?? {}) as { reason?: string };
    await writeStatusIfUnchanged(kc, plural, we, {
      executionStatus: {
        status: 'Stopped',
        reason: es.reason ?? (we.status?.failureReason as string | undefined) ?? 'ExecutionCancelled',
        message: `stopped: nothing it started runs (Job ${ns}/${jobNameFor(we.metadata.name)} ${job && ours ? 'finished' : 'absent'})`,
      },
    });
    return undefined;
  }

  return {
    name: 'workflowexecution',
    plural,
    // A Failed execution not yet known to be stopped is not done: stop() runs for it.
    isDone: (o) => o.status?.phase === 'Completed' || (o.status?.phase === 'Failed' && !mustStop(o.status)),
    async reconcile(we) {
      if (we.status?.phase === 'Failed') return stop(we);
      const ref = (we.spec?.workflowRef ?? {}) as { actionType?: string; executionBundle?: string };
      const target = parseTargetString(String(we.spec?.targetResource ?? ''));
      const action = ref.actionType ?? '';
      if (!target)
        return fail(
          we,
          action,
          'ConfigurationError',
          `targetResource ${JSON.stringify(we.spec?.targetResource)} is not namespace/Kind/name`,
        );
      const plan: Plan = {
        target,
        action,
        bundle: ref.executionBundle ?? `builtin:${action}`,
        params: (we.spec?.parameters as Record<string, string>) ?? {},
        dryRun: we.spec?.dryRun === true,
        deadline: we.spec?.timesOutAt as string | undefined,
      };
      if (we.status?.phase !== 'Running') {
        const claimed = await claim(we, plan);
        if (claimed === 'failed') return undefined;
        we = claimed;
      }
      return run(we, plan);
    },
  };
}

/**
 * An execution may only touch what its remediation is about: a namespaced target
 * in the namespace of the RR's signal target, or exactly the cluster-scoped
 * object (a Node) the signal named.
 */
function outOfScope(target: TargetRef, signal: TargetRef | undefined): string | undefined {
  if (!signal) return 'the RemediationRequest names no target, so no action is in scope';
  if (target.namespace) {
    if (target.namespace === signal.namespace) return undefined;
    return `refusing to act on ${describeTarget(target)}: outside namespace ${signal.namespace ?? '(none)'} of the signal's target`;
  }
  if (target.kind === signal.kind && target.name === signal.name) return undefined;
  return `refusing to act on ${describeTarget(target)}: the signal's target is ${describeTarget(signal)}`;
}

function unknownAction(plan: Plan): string | undefined {
  if (!isBuiltinBundle(plan.bundle)) return undefined;
  const builtin = plan.bundle.slice('builtin:'.length);
  if (!BUILTIN_ACTIONS[plan.action])
    return `unknown action ${plan.action}; built in: ${Object.keys(BUILTIN_ACTIONS).join(', ')}`;
  if (builtin !== plan.action) return `bundle ${plan.bundle} does not match action ${plan.action}`;
  return undefined;
}
