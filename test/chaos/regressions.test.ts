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
import { closeOut } from '../../workers/close-out.js';
import { workflowIdFor } from '../../workflows/definitions.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { stackInfo, testNamespace, uniqueName } from '../harness/index.js';

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
