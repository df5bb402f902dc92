/**
 * Deterministic regressions for what the randomized schedules found (the seeds
 * themselves are replayed by invariants.test.ts, from regressions.ts): each plays
 * the interleaving that broke an invariant, on purpose, against the real stack.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeldLockActivities } from '../../activities/held-locks.js';
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { createRemediationActivities } from '../../activities/remediation.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { closeOut } from '../../workers/close-out.js';
import { fingerprintOf, sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

describe('a terminal status is final (I1), whoever writes after it', () => {
  const kc = loadKubeConfig(stackInfo().kubeconfigPath);
  const objects = new KubeObjects(kc);
  let namespace: string;
  let pool: pg.Pool;
  let acts: ReturnType<typeof createRemediationActivities> & ReturnType<typeof createHeldLockActivities>;
  beforeAll(async () => {
    // No worker watches this namespace: the tests play the run and the reconciler.
    namespace = await testNamespace('chaos-reg');
    pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 2 });
    acts = {
      ...createRemediationActivities({ kc, audit: createAuditWriter(pool) }),
      ...createHeldLockActivities(kc),
    };
  });
  afterAll(() => pool?.end());

  /** An RR whose run has written `status` (terminal); answers it as the apiserver holds it. */
  async function endedRR(status: Record<string, unknown>): Promise<KubeObject> {
    const name = uniqueName('rr');
    await objects.create(
      'remediationrequests',
      namespace,
      sampleRemediationRequest(namespace, name, uniqueName('web')) as unknown as KubeObject,
    );
    return objects.mergeStatus('remediationrequests', namespace, name, status);
  }

  /*
   * Seed 2175737001: the run was terminated in Verifying as its last status write —
   * Completed/Remediated — landed, after the reconciler had listed the RR as
   * Verifying; the close-out then wrote Failed/WorkflowTerminated over it, leaving
   * an RR that says Failed with outcome Remediated, audited completed and failed.
   */
  it('the close-out of a run that ended after its RR was listed leaves the Completed status the run wrote meanwhile', async () => {
    const completed = {
      overallPhase: 'Completed',
      message: 'Remediated by restart-deployment',
      completedAt: new Date().toISOString(),
      completionStatus: { outcome: 'Remediated' },
    };
    const rr = await endedRR(completed);
    const listed = { ...structuredClone(rr), status: { overallPhase: 'Verifying' } };

    await closeOut({ acts, objects }, listed, {
      workflowId: workflowIdFor(namespace, rr.metadata.name),
      runId: 'terminated-run',
      status: 'TERMINATED',
      closeTime: new Date(),
    });

    const after = await objects.get('remediationrequests', namespace, rr.metadata.name);
    expect(after?.status).toMatchObject(completed);
    expect(after?.status?.completionStatus).not.toHaveProperty('failureReason');
  });

  /*
   * Seed 3098246673: a workflow task wrote Failed (the RAR create refused, Category C)
   * through a local activity, then failed to complete (UnhandledCommand: signals
   * arrived meanwhile) and timed out on a SIGKILLed replica; its retry ran after the
   * Analyzing deadline had fired and wrote TimedOut over the Failed status — which
   * stayed audited as Failed, with failurePhase Approval beside timeoutPhase Analyzing.
   */
  it("a retried workflow task's other terminal status never replaces the one already written", async () => {
    const failed = {
      overallPhase: 'Failed',
      message: 'Failed during Approval: refused by the apiserver (403)',
      completedAt: new Date().toISOString(),
      completionStatus: { failurePhase: 'Approval', failureReason: 'refused by the apiserver (403)' },
    };
    const rr = await endedRR(failed);

    const answer = await acts.writeRemediationStatus({
      namespace,
      name: rr.metadata.name,
      uid: rr.metadata.uid!,
      status: {
        overallPhase: 'TimedOut',
        message: 'Analyzing phase timeout expired in Analyzing',
        completionStatus: { timeoutPhase: 'Analyzing', failureReason: 'PhaseTimeout' },
      },
    });

    expect(answer).toBe('stale');
    const after = await objects.get('remediationrequests', namespace, rr.metadata.name);
    expect(after?.status).toMatchObject(failed);
    expect(after?.status?.completionStatus).not.toHaveProperty('timeoutPhase');
  });
});

describe('one actor per target (I2): a deleted holder has not let go until its execution has stopped', () => {
  // A short safety re-check: nothing signals the waiting RR when a deleted one lets go.
  const h = useRemediationHarness({ safetyRecheckMs: 1_000 }, { reconcileIntervalMs: 1_000 });
  const we = (rr: string) => h.objects.get('workflowexecutions', h.namespace, `we-${rr}`);
  const holdExecution = (rr: string, held: boolean) =>
    kubeRequest(
      h.objects.kc,
      'PATCH',
      `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/workflowexecutions/we-${rr}`,
      { metadata: { finalizers: held ? ['chaos.kubernaut.ai/controller'] : null } },
      'application/merge-patch+json',
    );

  async function toExecution(rr: string) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
  }

  /*
   * Seed 1014328468: an RR was deleted while its execution ran; its workflow marked
   * the execution cancelled and waited for the stop, holding the lock — but the next
   * RR on the target found the holder gone, no bundle Job, and took the lock over:
   * its execution started 0.6 s before the first one was confirmed stopped.
   */
  it('an RR deleted while its execution runs keeps the next RR on the target waiting (ResourceBusy) until the execution is confirmed stopped', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await toExecution(first);
    await h.waitForChild('WorkflowExecution', `we-${first}`);
    // The controller claims it: the action runs.
    await h.setStatus('WorkflowExecution', `we-${first}`, {
      phase: 'Running',
      startTime: new Date().toISOString(),
      executionStatus: { status: 'Running' },
    });
    await h.waitForPhase(first, ['Executing']);

    // Its controller holds it with a finalizer (as an external one cleaning up after
    // itself does), so it outlives its RR, as it does until the garbage collector gets to it.
    await holdExecution(first, true);
    try {
      await h.deleteRR(first);
      await eventually('the first execution to be cancelled, its stop not yet confirmed', async () => {
        const s = (await we(first))?.status;
        return s?.phase === 'Failed' && (s.executionStatus as { status?: string }).status === 'Stopping';
      });

      const second = await h.createRR({ target, fingerprint: fingerprintOf(`other-signal:${target}`) });
      await toExecution(second);
      const routed = await h.waitForPhase(second, ['Blocked', 'Executing']);
      expect(routed.status?.overallPhase, String(routed.status?.message)).toBe('Blocked');
      expect(routed.status?.routingStatus).toMatchObject({ blockReason: 'ResourceBusy' });
      expect(await we(second)).toBeNull();

      // The controller confirms the stop: now the target is free.
      await h.setStatus('WorkflowExecution', `we-${first}`, {
        executionStatus: { status: 'Stopped', reason: 'ParentCancelled' },
      });
      await h.waitForPhase(second, ['Executing'], 30_000);
    } finally {
      await holdExecution(first, false);
    }
  });
});
