/**
 * Invariant I10 (docs/invariants.md): an approval ladder decides exactly once when
 * approvers answer at once (a quorum of 2 of 3: the third is told it came too
 * late), and a rejection by an eligible approver is final at once — not one by the
 * RR's requester. Setup: approval-ladder-setup.ts.
 */
import { WorkflowUpdateStage } from '@temporalio/client';
import { encodeWorkflowUpdateStage } from '@temporalio/client/lib/workflow-update-stage.js';
import { describe, expect, it } from 'vitest';
import { REQUESTED_BY_ANNOTATION } from '../../lib/approval-ladder.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually, stackInfo } from '../harness/index.js';
import { useApprovalLadder } from './approval-ladder-setup.js';

describe('approval ladder with quorum (I10): decisions that race, and rejection', () => {
  const ladder = useApprovalLadder('approval-ladder-quorum');
  const { h, usePolicy, awaiting, rarStatus, decide, auditAll } = ladder;

  it('approvers answering at once make exactly one final decision: 2 of 3 count, the third is told it came too late', async () => {
    await usePolicy({
      tiers: [{ approvers: { users: ['alice', 'carol'], groups: ['sre'] }, timeout: '5m' }],
      quorum: { approvals: 2 },
    });
    const rr = await awaiting('dave');
    const updateAdmitted = (updateId: string) =>
      eventually(`update ${updateId} to be admitted`, async () => {
        await ladder.client.workflowService.pollWorkflowExecutionUpdate({
          namespace: stackInfo().temporalNamespace,
          updateRef: { workflowExecution: { workflowId: workflowIdFor(h.namespace, rr) }, updateId },
          identity: 'approval-ladder.test',
          waitPolicy: { lifecycleStage: encodeWorkflowUpdateStage(WorkflowUpdateStage.ADMITTED) },
        });
        return true;
      });
    // All three reach the workflow in the same task, as after a worker crash.
    let answers!: Promise<Awaited<ReturnType<typeof decide>>[]>;
    await h.restartWorker(async () => {
      answers = Promise.all(['alice', 'carol', 'erin'].map((who) => decide(rr, who, 'approve')));
      for (const who of ['alice', 'carol', 'erin']) await updateAdmitted(`rar-${rr}-approve-${who}`);
    });
    const codes = (await answers).map((a) => a.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(2);
    expect(codes.filter((c) => c === 409)).toHaveLength(1);
    const lost = (await answers).find((a) => a.statusCode === 409)!;
    expect(lost.json().detail).toMatch(
      /was already approved by \w+, \w+ \(update\) at .+; this approval by \w+ was not recorded$/,
    );
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    const status = await rarStatus(rr);
    expect(status.decision).toBe('Approved');
    expect(status.approvals).toHaveLength(2);
    expect(await auditAll(rr, 'orchestrator.approval.approved')).toHaveLength(1);
    expect(await auditAll(rr, 'orchestrator.approval.counted')).toHaveLength(2);
    expect(await auditAll(rr, 'orchestrator.approval.ignored')).toHaveLength(1);
  });

  it('a rejection by an eligible approver is final at once, even with approvals counted; the requester may not reject', async () => {
    await usePolicy({
      tiers: [{ approvers: { users: ['alice', 'carol'], groups: ['sre'] }, timeout: '5m' }],
      quorum: { approvals: 2 },
    });
    const rr = await awaiting('dave', { [REQUESTED_BY_ANNOTATION]: 'erin' });
    expect((await decide(rr, 'alice')).statusCode).toBe(200);
    const requester = await decide(rr, 'erin', 'reject', 'not needed');
    expect(requester.statusCode).toBe(403);
    expect(requester.json().detail).toContain('erin requested this remediation and may not reject it');
    const noRights = await decide(rr, 'mallory', 'reject');
    expect(noRights.statusCode).toBe(403);
    const rejected = await decide(rr, 'carol', 'reject', 'wrong fix');
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json().approval).toMatchObject({ decision: 'Rejected', decidedBy: 'carol' });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(
      (failed.status as { completionStatus: Record<string, string> }).completionStatus.failureReason,
    ).toBe('Rejected by carol: wrong fix');
    expect(await rarStatus(rr)).toMatchObject({ decision: 'Rejected', approvals: [{ approver: 'alice' }] });
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
  });
});
