/**
 * Invariant I2 (docs/invariants.md): at most one WorkflowExecution acts on a target
 * at any moment — the target lock is held until the execution is over and the bundle
 * Job it started is gone, whether Executing times out, the RR is deleted, or the run
 * is terminated (the reconciler's close-out). The built-in WorkflowExecution controller runs here; the
 * local cluster has no Job controller or kubelet, so a bundle Job never finishes by
 * itself. Each test holds the first RR's Job in place with a finalizer of its own,
 * so "while the Job still exists" is a stretch of time the test controls: whatever
 * the second RR does before the test lets the Job go is seen against that moment,
 * on the Lease's acquireTime and the RR's completedAt — no timing luck involved.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { jobNameFor } from '../../lib/execution-stop.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { fingerprintOf } from '../harness/fixtures.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { createDeployment } from '../harness/workloads.js';

const HOLD = 'kubernaut.ai/test-hold';

describe('one actor per target (I2): the lock outlives the execution and its Job', () => {
  const h = useRemediationHarness(
    // Quick re-checks for the blocked RR, and a short bound on the wait for a stop.
    { safetyRecheckMs: 2_000, executionStopGraceMs: 15_000 },
    { controllers: { enabled: ['workflowexecution'] }, reconcileIntervalMs: 1_000 },
  );
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'one-actor', h.created);
  });
  const kc = () => kube().kc;
  const jobsPath = () => `/apis/batch/v1/namespaces/${h.namespace}/jobs`;
  // biome-ignore lint/suspicious/noExplicitAny: tests read deep fields of a Job
  const readJob = (name: string) => kubeRequest<any>(kc(), 'GET', `${jobsPath()}/${name}`).catch(() => null);
  const patchMeta = (path: string, metadata: Record<string, unknown>) =>
    kubeRequest(kc(), 'PATCH', path, { metadata }, 'application/merge-patch+json');
  const wePath = (rr: string) =>
    `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/workflowexecutions/we-${rr}`;
  const execution = (rr: string) => h.objects.get('workflowexecutions', h.namespace, `we-${rr}`);
  const leaseOf = async (rr: string) => {
    const coordination = kc().makeApiClient(k8s.CoordinationV1Api);
    const { items } = await coordination.listNamespacedLease({
      namespace: h.namespace,
      labelSelector: 'kubernaut.ai/target-lock=true',
    });
    return items.find((l) => l.spec?.holderIdentity === rr);
  };
  const completion = (rr: { status?: Record<string, unknown> }) =>
    rr.status?.completionStatus as Record<string, unknown>;

  /** The analysis picks a container bundle: the execution runs as a Job. */
  const bundleAnalysis = () => {
    const a = completedAnalysis(false);
    return {
      ...a,
      rcaResult: {
        ...a.rcaResult,
        selectedWorkflow: {
          ...a.rcaResult.selectedWorkflow,
          workflowId: 'drain-cache',
          actionType: 'job',
          executionBundle: 'busybox:1.36',
        },
      },
    };
  };

  /** An RR on `target` played to its execution; `bundle` picks a Job, else the built-in restart. */
  async function toExecution(
    target: string,
    opts: { bundle?: boolean; annotations?: Record<string, string>; fingerprint?: string } = {},
  ) {
    const rr = await h.createRR({ target, annotations: opts.annotations, fingerprint: opts.fingerprint });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, opts.bundle ? bundleAnalysis() : completedAnalysis(false));
    if (opts.bundle) {
      // A container bundle declares no way to undo it, so a person approves it (I11).
      await h.waitForPhase(rr, ['AwaitingApproval']);
      await h.runtime.client.workflow
        .getHandle(workflowIdFor(h.namespace, rr))
        .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
    }
    return rr;
  }

  /** The first RR's bundle Job, held in place (a finalizer of the test's) once it exists. */
  async function heldJob(rr: string) {
    const name = jobNameFor(`we-${rr}`);
    await eventually(`Job ${name} to be created`, () => readJob(name));
    await patchMeta(`${jobsPath()}/${name}`, { finalizers: [HOLD] });
    return name;
  }
  /** Lets the held Job go; the moment before is when it can first be gone. */
  async function letGo(job: string) {
    const at = Date.now();
    await patchMeta(`${jobsPath()}/${job}`, { finalizers: null });
    return at;
  }

  /** A second RR for the same target (another signal), waiting on the first one's lock. */
  async function blockedBehind(target: string) {
    const rr = await toExecution(target, { fingerprint: fingerprintOf(`other-signal:${target}`) });
    const blocked = await h.waitForPhase(rr, ['Blocked']);
    expect(blocked.status?.routingStatus).toMatchObject({ blockReason: 'ResourceBusy' });
    return rr;
  }

  /** While the Job still exists, `holder` keeps the lock and `waiting` has created nothing. */
  async function lockStillHeld(holder: string, waiting: string, job: string) {
    expect((await readJob(job))?.metadata.deletionTimestamp).toBeTruthy();
    expect((await leaseOf(holder))?.spec?.holderIdentity).toBe(holder);
    expect(await execution(waiting)).toBeNull();
  }

  /** The second RR executes — having taken the lock only after the Job could be gone. */
  async function executesAfter(rr: string, jobGoneFrom: number) {
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    const lease = await leaseOf(rr);
    expect(lease, `${rr} holds the lock while it executes`).toBeTruthy();
    expect(new Date(lease!.spec!.acquireTime as unknown as string).getTime()).toBeGreaterThanOrEqual(
      jobGoneFrom,
    );
  }

  it('Executing times out while a bundle Job runs: the execution is cancelled, its Job deleted, and only then the lock moves on', async () => {
    const target = uniqueName('web');
    await createDeployment(h.namespace, target);
    const first = await toExecution(target, {
      bundle: true,
      annotations: { 'kubernaut.ai/timeout-executing': '8s' },
    });
    const job = await heldJob(first);
    const second = await blockedBehind(target);

    // The deadline passes: the execution is marked cancelled, and its controller deletes the Job.
    const cancelled = await eventually('the execution marked cancelled', async () => {
      const we = await execution(first);
      return we?.status?.phase === 'Failed' ? we : undefined;
    });
    expect(cancelled.status).toMatchObject({ failureReason: 'ExecutionCancelled' });
    await eventually('the Job deleted', async () => (await readJob(job))?.metadata.deletionTimestamp);
    await lockStillHeld(first, second, job);
    expect((await h.objects.get('remediationrequests', h.namespace, first))?.status?.overallPhase).toBe(
      'Executing',
    );

    const gone = await letGo(job);
    const timedOut = await h.waitForPhase(first, ['TimedOut']);
    expect(completion(timedOut)).toMatchObject({ timeoutPhase: 'Executing', failureReason: 'PhaseTimeout' });
    // It ended (and let the lock go) only once the Job was gone.
    expect(Date.parse(timedOut.status?.completedAt as string)).toBeGreaterThanOrEqual(gone);
    expect((await execution(first))?.status?.executionStatus).toMatchObject({ status: 'Stopped' });
    expect(await readJob(job)).toBeNull();
    await executesAfter(second, gone);
  });

  it('the RR is deleted during Executing: the execution is cancelled (ParentCancelled), its Job deleted, and only then the lock moves on', async () => {
    const target = uniqueName('web');
    await createDeployment(h.namespace, target);
    const first = await toExecution(target, { bundle: true });
    const job = await heldJob(first);
    // Held too, so that the RR's garbage collection cannot take the execution away unseen.
    await patchMeta(wePath(first), { finalizers: [HOLD] });
    const second = await blockedBehind(target);
    const run = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, first));

    await h.deleteRR(first);
    const cancelled = await eventually('the execution marked cancelled', async () => {
      const we = await execution(first);
      return we?.status?.phase === 'Failed' ? we : undefined;
    });
    expect(cancelled.status).toMatchObject({ failureReason: 'ParentCancelled' });
    await eventually('the Job deleted', async () => (await readJob(job))?.metadata.deletionTimestamp);
    await lockStillHeld(first, second, job);

    const gone = await letGo(job);
    const view = await run.result();
    expect(view.phase).toBe('Cancelled');
    expect(Date.parse(view.completedAt!)).toBeGreaterThanOrEqual(gone);
    expect((await execution(first))?.status?.executionStatus).toMatchObject({ status: 'Stopped' });
    await executesAfter(second, gone);
    await patchMeta(wePath(first), { finalizers: null });
  });

  it('a stop never confirmed within the bound: the RR still ends, keeping the lock until its Job is gone', async () => {
    const target = uniqueName('web');
    await createDeployment(h.namespace, target);
    const first = await toExecution(target, {
      bundle: true,
      annotations: { 'kubernaut.ai/timeout-executing': '8s' },
    });
    const job = await heldJob(first);
    const second = await blockedBehind(target);

    // The Job stays past the 15 s bound: the RR ends TimedOut, and keeps the lock.
    const timedOut = await h.waitForPhase(first, ['TimedOut'], 60_000);
    expect(completion(timedOut)).toMatchObject({ timeoutPhase: 'Executing' });
    await lockStillHeld(first, second, job);
    // The second RR was woken by the first one's end, and still found the target busy.
    expect((await h.objects.get('remediationrequests', h.namespace, second))?.status?.overallPhase).toBe(
      'Blocked',
    );

    const gone = await letGo(job);
    await executesAfter(second, gone);
  });

  it('the run is terminated while a bundle Job runs: the close-out cancels the execution and lets the lock go only once the Job is gone', async () => {
    const target = uniqueName('web');
    await createDeployment(h.namespace, target);
    const first = await toExecution(target, { bundle: true });
    const job = await heldJob(first);
    const second = await blockedBehind(target);

    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, first))
      .terminate('terminated by an operator');
    const cancelled = await eventually('the execution marked cancelled', async () => {
      const we = await execution(first);
      return we?.status?.phase === 'Failed' ? we : undefined;
    });
    expect(cancelled.status).toMatchObject({ failureReason: 'ParentCancelled' });
    await eventually('the Job deleted', async () => (await readJob(job))?.metadata.deletionTimestamp);
    await lockStillHeld(first, second, job);
    // The close-out waits for the stop before it goes on (reconciler passes every second here).
    expect((await h.objects.get('remediationrequests', h.namespace, first))?.status?.overallPhase).toBe(
      'Executing',
    );

    const gone = await letGo(job);
    const failed = await h.waitForPhase(first, ['Failed']);
    expect(failed.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowTerminated' });
    expect(await leaseOf(first)).toBeUndefined();
    await executesAfter(second, gone);
  });

  it('an execution that finished just as Executing timed out keeps its outcome, and the RR reports it', async () => {
    const target = uniqueName('web');
    await createDeployment(h.namespace, target);
    const rr = await toExecution(target, {
      bundle: true,
      annotations: { 'kubernaut.ai/timeout-executing': '8s' },
    });
    const job = jobNameFor(`we-${rr}`);
    await eventually(`Job ${job} to be created`, () => readJob(job));
    const deadline = Date.parse((await execution(rr))?.spec?.timesOutAt as string);
    // No worker sees the Job finish before the deadline: it and the execution complete
    // (as their controllers would record it) while the worker is down, and the deadline
    // passes before it returns — so the workflow meets the deadline before the news.
    await h.restartWorker(async () => {
      const now = new Date().toISOString();
      await kubeRequest(
        kc(),
        'PATCH',
        `${jobsPath()}/${job}/status`,
        {
          status: {
            startTime: now,
            completionTime: now,
            succeeded: 1,
            conditions: [
              { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: now },
              { type: 'Complete', status: 'True', lastTransitionTime: now },
            ],
          },
        },
        'application/merge-patch+json',
      );
      await h.setStatus('WorkflowExecution', `we-${rr}`, {
        phase: 'Completed',
        completionTime: now,
        executionStatus: { status: 'Completed', message: `ran busybox:1.36 as Job ${job}` },
      });
      await eventually('the Executing deadline to pass', async () => Date.now() > deadline + 500, 30_000);
    });

    await h.waitForChild('EffectivenessAssessment', `ea-${rr}`);
    expect((await execution(rr))?.status).toMatchObject({
      phase: 'Completed',
      executionStatus: { status: 'Completed' },
    });
    await h.setStatus('EffectivenessAssessment', `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'Full',
    });
    const done = await h.waitForPhase(rr, ['Completed']);
    expect(completion(done)).toMatchObject({ outcome: 'Remediated' });
    expect(await leaseOf(rr)).toBeUndefined();
  });

  it('the bundle Job carries the execution deadline (activeDeadlineSeconds) and, in the same namespace, its execution as owner', async () => {
    const target = uniqueName('web');
    await createDeployment(h.namespace, target);
    const rr = await toExecution(target, {
      bundle: true,
      annotations: { 'kubernaut.ai/timeout-executing': '90s' },
    });
    const name = jobNameFor(`we-${rr}`);
    const job = await eventually(`Job ${name} to be created`, () => readJob(name));
    const we = (await execution(rr))!;
    const deadline = Date.parse(we.spec?.timesOutAt as string);
    const created = Date.parse(job.metadata.creationTimestamp);
    // Counted from the Job's start: it ends at the execution's deadline (creationTimestamp has 1 s resolution).
    expect(Math.abs(created + job.spec.activeDeadlineSeconds * 1000 - deadline)).toBeLessThanOrEqual(2_000);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(60);
    expect(job.spec.activeDeadlineSeconds).toBeLessThanOrEqual(90);
    expect(job.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'WorkflowExecution', name: `we-${rr}`, uid: we.metadata.uid }),
    ]);
    // Deleting the RR stops the Job with the rest (and leaves nothing running behind this file).
    await h.deleteRR(rr);
    await eventually('the Job gone', async () => !(await readJob(name)));
  });
});
