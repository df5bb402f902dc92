/**
 * Invariant I10 (docs/invariants.md): the approval ladder with quorum of a
 * RemediationPolicy. A ladder that reaches tier 2 when tier 1 times out (its own
 * notification, `orchestrator.approval.escalated`), needs 2 distinct approvers for a
 * risky action (a second approval by the same person does not count), refuses the
 * RR's creator and an approver without update rights on the target (a
 * SubjectAccessReview), and shows where it stands in the RAR status, the live view
 * and `kubernaut pending`; it expires only after its last tier, and without a policy
 * approval is as before. Setup: approval-ladder-setup.ts.
 */
import { describe, expect, it } from 'vitest';
import { approveSignal, workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { useApprovalLadder } from './approval-ladder-setup.js';

describe('approval ladder with quorum (I10): tiers and escalation', () => {
  const ladder = useApprovalLadder('approval-ladder-tiers');
  const { h, usePolicy, deletePolicy, awaiting, rar, rarStatus, decide, auditAll, view, cliPending } = ladder;

  it('climbs to tier 2, refuses the creator and an approver without rights, and approves with 2 of 2 distinct approvers', async () => {
    await usePolicy({
      tiers: [
        { name: 'on-call', approvers: { users: ['alice'] }, timeout: '4s' },
        { name: 'sre', approvers: { groups: ['sre'] }, timeout: '5m' },
      ],
      // The analysis' confidence is 0.9: below 0.95, the action is risky.
      quorum: { approvals: 2, when: { targetKinds: ['StatefulSet'], confidenceBelow: 0.95 } },
    });
    const rr = await awaiting('dave');
    const requested = Date.now();

    // Tier 1: who may decide, what is needed, until when — before anyone has.
    const first = await rarStatus(rr);
    expect(first).toMatchObject({
      approvalPolicy: ladder.policyName,
      currentTier: 1,
      tierName: 'on-call',
      tiers: 2,
      approvalsRequired: 2,
      approvalsNeeded: 2,
      approvals: [],
      responses: [],
      riskyBecause: ['confidence 0.90 below 0.95'],
      eligibleApprovers: { users: ['alice'], groups: [] },
    });
    expect(first.decision ?? '').toBe('');
    // The approval expires only after the last tier: 4 s + 5 min.
    const spec = (await rar(rr)).spec as { requiredBy: string };
    expect(Date.parse(spec.requiredBy) - Date.parse(first.tierDeadline as string)).toBe(300_000);

    // carol is an approver of tier 2 only: not yet.
    const early = await decide(rr, 'carol');
    expect(early.statusCode).toBe(403);
    expect(early.headers['content-type']).toContain('application/problem+json');
    expect(early.json()).toMatchObject({
      type: 'https://kubernaut.ai/problems/approval-refused',
      status: 403,
    });
    expect(early.json().detail).toContain('carol is not an approver of tier 1 (on-call)');

    // Tier 1 times out: tier 2 is notified and the escalation audited.
    const escalated = await eventually(
      'tier 2',
      async () => ((await rarStatus(rr)).currentTier === 2 ? rarStatus(rr) : undefined),
      20_000,
    );
    expect(Date.now() - requested).toBeGreaterThanOrEqual(3_500);
    expect(escalated).toMatchObject({
      tierName: 'sre',
      approvalsNeeded: 2,
      eligibleApprovers: { users: ['alice'], groups: ['sre'] },
    });
    expect(Date.parse(escalated.tierDeadline as string)).toBe(Date.parse(spec.requiredBy));
    const nr = await eventually('the tier 2 notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-approval-tier-2-${rr}`),
    );
    expect(nr?.spec).toMatchObject({ type: 'Approval' });
    expect(String(nr?.spec?.subject)).toContain('Approval escalated to sre');
    expect(String(nr?.spec?.body)).toContain('groups sre');
    const [esc] = await eventually('the escalation audited', async () => {
      const rows = await auditAll(rr, 'orchestrator.approval.escalated');
      return rows.length ? rows : undefined;
    });
    expect(esc!.event_data).toMatchObject({
      from_tier: 1,
      to_tier: 2,
      tier_name: 'sre',
      notified: { users: [], groups: ['sre'] },
      notification: `nr-approval-tier-2-${rr}`,
    });

    // The RR's creator may not approve it, tier member though he is.
    const self = await decide(rr, 'dave');
    expect(self.statusCode).toBe(403);
    expect(self.json().detail).toContain('dave created this remediation and may not approve it');
    // mallory is in sre, but may not update the target: the SubjectAccessReview says no.
    const noRights = await decide(rr, 'mallory');
    expect(noRights.statusCode).toBe(403);
    expect(noRights.json().detail).toMatch(
      /mallory may not update deployments\.apps\/web-\w+ in wf-\w+ \(SubjectAccessReview/,
    );

    // alice (tier 1, still eligible) approves: 1 of 2.
    const one = await decide(rr, 'alice', 'approve', 'graphs look fine');
    expect(one.statusCode).toBe(200);
    expect(one.json().approval).toMatchObject({
      ladder: {
        tier: 2,
        approvalsNeeded: 1,
        approvals: [{ approver: 'alice', via: 'update', message: 'graphs look fine' }],
      },
    });
    expect(one.json().approval.decision).toBeUndefined();
    expect(await rarStatus(rr)).toMatchObject({
      approvalsNeeded: 1,
      approvals: [{ approver: 'alice', via: 'update' }],
    });

    // A second approval by alice (a signal this time) does not count.
    await ladder.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .signal(approveSignal, { decidedBy: 'alice' });
    const [dup] = await eventually('the repeated approval ignored', async () => {
      const rows = await auditAll(rr, 'orchestrator.approval.ignored');
      return rows.length ? rows : undefined;
    });
    expect(dup!.event_data).toMatchObject({ claimed_decided_by: 'alice', decided_via: 'signal' });
    expect(String(dup!.event_data.reason)).toContain('alice has already approved');
    const live = await view(rr);
    expect(live.phase).toBe('AwaitingApproval');
    expect(live.approval.ladder).toMatchObject({
      tier: 2,
      tiers: 2,
      approvalsNeeded: 1,
      approvalsRequired: 2,
    });

    // `kubernaut pending` shows the tier, its deadline, who approved and who is still needed.
    const pending = await cliPending();
    const row = pending.json.find((p) => p.name === rr)!;
    expect(row).toMatchObject({
      tier: 2,
      tierName: 'sre',
      approvedBy: ['alice'],
      approvalsNeeded: 1,
      approvalsRequired: 2,
    });
    expect(pending.table).toMatch(
      new RegExp(`${rr}.*2/2 sre\\s+\\S+\\s+alice\\s+1 of 2: users alice; groups sre`),
    );

    // carol (sre) makes it 2 of 2: approved, once.
    const two = await decide(rr, 'carol', 'approve', 'agreed');
    expect(two.statusCode).toBe(200);
    expect(two.json().approval).toMatchObject({ decision: 'Approved', decidedBy: 'alice, carol' });
    expect(await rarStatus(rr)).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice, carol',
      approvalsNeeded: 0,
      approvals: [{ approver: 'alice' }, { approver: 'carol', via: 'update', message: 'agreed' }],
    });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);

    const refused = await auditAll(rr, 'orchestrator.approval.refused');
    expect(refused.map((e) => [e.actor_id, e.event_data.reason_code])).toEqual([
      ['carol', 'NotAnApprover'],
      ['dave', 'SelfApproval'],
      ['mallory', 'NoTargetRights'],
    ]);
    expect((await auditAll(rr, 'orchestrator.approval.counted')).map((e) => e.event_data.approver)).toEqual([
      'alice',
      'carol',
    ]);
    const approved = await auditAll(rr, 'orchestrator.approval.approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ actor_type: 'user', actor_id: 'carol' });
    expect(approved[0]!.event_data).toMatchObject({
      approvers: ['alice', 'carol'],
      approvals_required: 2,
      tier: 2,
    });
  });

  it('expires only after the last tier, having notified each', async () => {
    await usePolicy({
      tiers: [
        { approvers: { users: ['alice'] }, timeout: '2s' },
        { approvers: { users: ['carol'] }, timeout: '2s' },
        { approvers: { groups: ['sre'] }, timeout: '2s' },
      ],
    });
    const started = Date.now();
    const rr = await awaiting();
    const failed = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_000);
    expect(
      (failed.status as { completionStatus: Record<string, string> }).completionStatus.failureReason,
    ).toMatch(/^Approval expired at .+ after 3 tier\(s\) with 0 of 1 approval\(s\)$/);
    const types = await h.auditTypes(rr);
    expect(types.filter((t) => t === 'orchestrator.approval.escalated')).toHaveLength(2);
    expect(types.indexOf('orchestrator.approval.expired')).toBeGreaterThan(
      types.lastIndexOf('orchestrator.approval.escalated'),
    );
    for (const tier of [2, 3])
      expect(
        await h.objects.get('notificationrequests', h.namespace, `nr-approval-tier-${tier}-${rr}`),
      ).not.toBeNull();
    expect(await rarStatus(rr)).toMatchObject({ decision: 'Expired', currentTier: 3, approvals: [] });
  });

  it('without an approval policy, approval is as before: one approver, no ladder', async () => {
    if (ladder.policyName) await deletePolicy(ladder.policyName);
    ladder.policyName = undefined;
    const rr = await awaiting('dave');
    const status = await rarStatus(rr);
    expect(status.approvalsRequired).toBeUndefined();
    // dave created it, but with no ladder nothing stops him (I3 alone).
    const ok = await decide(rr, 'dave');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().approval).toMatchObject({ decision: 'Approved', decidedBy: 'dave' });
    expect(ok.json().approval.ladder).toBeUndefined();
  });
});
