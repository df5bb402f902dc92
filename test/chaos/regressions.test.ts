/**
 * Deterministic regressions for what the randomized schedules found (the seeds
 * themselves are replayed by invariants.test.ts, from regressions.ts): each plays
 * the one interleaving that broke an invariant, on purpose, against the real stack.
 */

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createHeldLockActivities } from '../../activities/held-locks.js';
import type { KubeObject } from '../../activities/kube-objects.js';
import { KubeObjects } from '../../activities/kube-objects.js';
import { createRemediationActivities } from '../../activities/remediation.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { closeOut } from '../../workers/close-out.js';
import { workflowIdFor } from '../../workflows/definitions.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { stackInfo, testNamespace, uniqueName } from '../harness/index.js';

describe('regressions found by the randomized schedules', () => {
  const kc = loadKubeConfig(stackInfo().kubeconfigPath);
  const objects = new KubeObjects(kc);

  /*
   * Seed 2175737001 (I1, "a terminal status is final"): the run was terminated in
   * Verifying while its last status write — Completed/Remediated — was in flight; the
   * write landed after the reconciler had listed the RR as Verifying, and the close-out
   * then wrote Failed/WorkflowTerminated over the Completed status, leaving an RR
   * that says Failed with outcome Remediated, audited both completed and failed.
   */
  it('the close-out of a run that ended after its RR was listed never replaces the terminal status the run wrote meanwhile', async () => {
    // No worker watches this namespace: the test plays the run and the reconciler.
    const namespace = await testNamespace('chaos-reg');
    const pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 2 });
    try {
      const name = uniqueName('rr');
      const created = await objects.create(
        'remediationrequests',
        namespace,
        sampleRemediationRequest(namespace, name, uniqueName('web')) as unknown as KubeObject,
      );
      // What the reconciler listed: the run still Verifying.
      const listed = structuredClone(created);
      listed.status = { overallPhase: 'Verifying', message: 'Assessing the effect' };
      // Then the run's last write lands: it finished.
      const completedAt = new Date().toISOString();
      await objects.mergeStatus('remediationrequests', namespace, name, {
        overallPhase: 'Completed',
        message: 'Remediated by restart-deployment',
        completedAt,
        completionStatus: { outcome: 'Remediated' },
      });

      await closeOut(
        {
          acts: {
            ...createRemediationActivities({ kc, audit: createAuditWriter(pool) }),
            ...createHeldLockActivities(kc),
          },
          objects,
        },
        listed,
        {
          workflowId: workflowIdFor(namespace, name),
          runId: 'terminated-run',
          status: 'TERMINATED',
          closeTime: new Date(),
        },
      );

      const after = await objects.get('remediationrequests', namespace, name);
      expect(after?.status).toMatchObject({
        overallPhase: 'Completed',
        completedAt,
        completionStatus: { outcome: 'Remediated' },
      });
      expect(after?.status?.completionStatus).not.toHaveProperty('failureReason');
    } finally {
      await pool.end();
    }
  });
});
