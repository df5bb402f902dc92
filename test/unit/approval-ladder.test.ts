/**
 * The approval ladder's pure rules (lib/approval-ladder.ts, invariant I10): what a
 * policy's `approval` section says, which policy applies, when a quorum applies,
 * the tiers' deadlines and approvers, and who may decide.
 */
import { describe, expect, it } from 'vitest';
import {
  type ApprovalPolicy,
  applicablePolicy,
  approvalPolicyOf,
  approversUpTo,
  judge,
  type Ladder,
  ladderFor,
  riskOf,
  targetResourceAttributes,
  tierEnds,
} from '../../lib/approval-ladder.js';

const spec = {
  targetNamespaces: ['shop'],
  approval: {
    tiers: [
      { name: 'on-call', approvers: { users: ['alice'], groups: ['sre'] }, timeout: '10m' },
      { approvers: { groups: ['platform-leads'] }, timeout: '1h30m' },
    ],
    quorum: {
      approvals: 2,
      when: {
        namespaceLabels: { env: 'production' },
        targetKinds: ['StatefulSet', 'Node'],
        confidenceBelow: 0.8,
      },
    },
  },
};
const deployment = { kind: 'Deployment', name: 'web', namespace: 'shop', apiVersion: 'apps/v1' };

describe('approval policy', () => {
  it('reads tiers (named or numbered), timeouts, quorum and whether target rights are checked', () => {
    const p = approvalPolicyOf('shop-approvals', spec)!;
    expect(p.tiers.map((t) => [t.name, t.timeoutMs])).toEqual([
      ['on-call', 600_000],
      ['tier 2', 5_400_000],
    ]);
    expect(p.tiers[1]!.approvers).toEqual({ users: [], groups: ['platform-leads'] });
    expect(p.quorum?.approvals).toBe(2);
    expect(p.requireTargetRights).toBe(true);
    expect(
      approvalPolicyOf('x', { approval: { ...spec.approval, requireTargetRights: false } })!
        .requireTargetRights,
    ).toBe(false);
  });

  it('no approval section, no tier, a tier without approvers or with a bad timeout: no ladder', () => {
    expect(approvalPolicyOf('budget-only', { budget: { executionsPerHour: 5 } })).toBeUndefined();
    expect(approvalPolicyOf('x', { approval: { tiers: [] } })).toBeUndefined();
    expect(
      approvalPolicyOf('x', { approval: { tiers: [{ approvers: {}, timeout: '5m' }] } }),
    ).toBeUndefined();
    expect(
      approvalPolicyOf('x', { approval: { tiers: [{ approvers: { users: ['a'] }, timeout: 'soon' }] } }),
    ).toBeUndefined();
  });

  it('one policy applies: one naming the namespace before a catch-all, then by name', () => {
    const mk = (policy: string, namespaces: string[]) => ({ ...approvalPolicyOf(policy, spec)!, namespaces });
    const all = [mk('z-all', []), mk('b-shop', ['shop']), mk('a-shop', ['shop', 'cart']), mk('a-all', [])];
    expect(applicablePolicy(all, 'shop')?.policy).toBe('a-shop');
    expect(applicablePolicy(all, 'billing')?.policy).toBe('a-all');
    expect(applicablePolicy([mk('b-shop', ['shop'])], 'billing')).toBeUndefined();
  });
});

describe('quorum', () => {
  const p = approvalPolicyOf('p', spec)!;
  const what = (over: Partial<Parameters<typeof riskOf>[1]> = {}) => ({
    target: deployment,
    namespaceLabels: {},
    confidence: 0.9,
    ...over,
  });

  it('applies when any condition holds, and says which', () => {
    expect(riskOf(p.quorum, what())).toEqual([]);
    expect(riskOf(p.quorum, what({ namespaceLabels: { env: 'production', team: 'x' } }))).toEqual([
      'namespace shop is env=production',
    ]);
    expect(riskOf(p.quorum, what({ target: { kind: 'Node', name: 'n1' } }))).toEqual(['target kind Node']);
    expect(riskOf(p.quorum, what({ confidence: 0.5 }))).toEqual(['confidence 0.50 below 0.8']);
    expect(
      riskOf(
        p.quorum,
        what({
          target: { ...deployment, kind: 'StatefulSet' },
          confidence: 0.7,
          namespaceLabels: { env: 'production' },
        }),
      ),
    ).toHaveLength(3);
  });

  it('without `when` applies to every action; without a quorum nothing is risky', () => {
    expect(riskOf({ approvals: 3 }, what())).toEqual(['every action under this policy']);
    expect(riskOf(undefined, what({ confidence: 0 }))).toEqual([]);
  });

  it('a ladder needs the quorum only for a risky action, and names who may not approve', () => {
    expect(ladderFor(p, what()).approvalsRequired).toBe(1);
    const risky = ladderFor(p, {
      ...what({ confidence: 0.1 }),
      createdBy: 'dave',
      requestedBy: 'alertmanager',
    });
    expect(risky.approvalsRequired).toBe(2);
    expect(risky.excluded).toEqual({ createdBy: 'dave', requestedBy: 'alertmanager' });
  });
});

describe('tiers', () => {
  const p = approvalPolicyOf('p', spec)!;

  it('each tier ends after the ones before it, the last one when the approval expires, capped by the global deadline', () => {
    expect(tierEnds(p.tiers, 1_000, Number.POSITIVE_INFINITY)).toEqual([601_000, 5_401_000 + 600_000]);
    expect(tierEnds(p.tiers, 1_000, 900_000)).toEqual([601_000, 900_000]);
  });

  it('an approver of an earlier tier still may decide after escalation', () => {
    expect(approversUpTo(p.tiers, 0)).toEqual({ users: ['alice'], groups: ['sre'] });
    expect(approversUpTo(p.tiers, 1)).toEqual({ users: ['alice'], groups: ['sre', 'platform-leads'] });
  });
});

describe('who may decide', () => {
  const policy: ApprovalPolicy = approvalPolicyOf('p', spec)!;
  const ladder: Ladder = {
    ...ladderFor(policy, { target: deployment, namespaceLabels: {}, confidence: 0.1 }),
    excluded: { createdBy: 'dave', requestedBy: 'gateway-bot' },
  };
  const approve = (decidedBy: string, groups?: string[]) => ({
    decision: 'Approved' as const,
    decidedBy,
    groups,
    via: 'update',
  });

  it('the creator and the requester may neither approve nor reject, whatever tier they are in', () => {
    expect(judge(ladder, 1, [], approve('dave', ['sre']))).toMatchObject({
      kind: 'refused',
      code: 'SelfApproval',
    });
    expect(judge(ladder, 1, [], { ...approve('gateway-bot', ['sre']), decision: 'Rejected' })).toMatchObject({
      kind: 'refused',
      code: 'SelfApproval',
      reason: 'gateway-bot requested this remediation and may not reject it',
    });
  });

  it('only approvers of the current tier and earlier ones, by name or by group', () => {
    expect(judge(ladder, 0, [], approve('alice'))).toEqual({ kind: 'eligible' });
    expect(judge(ladder, 0, [], approve('erin', ['sre']))).toEqual({ kind: 'eligible' });
    const early = judge(ladder, 0, [], approve('lead', ['platform-leads']));
    expect(early).toMatchObject({ kind: 'refused', code: 'NotAnApprover' });
    expect((early as { reason: string }).reason).toContain('users alice; groups sre');
    expect(judge(ladder, 1, [], approve('lead', ['platform-leads']))).toEqual({ kind: 'eligible' });
    expect(judge(ladder, 1, [], approve('mallory'))).toMatchObject({
      kind: 'refused',
      code: 'NotAnApprover',
    });
  });

  it("a person's second approval does not count; their rejection still may", () => {
    expect(judge(ladder, 0, ['alice'], approve('alice'))).toMatchObject({
      kind: 'duplicate',
      reason: 'alice has already approved; 1 more approval(s) needed from someone else',
    });
    expect(judge(ladder, 0, ['alice'], { ...approve('alice'), decision: 'Rejected' })).toEqual({
      kind: 'eligible',
    });
  });
});

describe('SubjectAccessReview attributes', () => {
  it('update on the target: group and resource of its kind', () => {
    expect(targetResourceAttributes(deployment)).toEqual({
      group: 'apps',
      resource: 'deployments',
      name: 'web',
      namespace: 'shop',
      verb: 'update',
    });
    expect(targetResourceAttributes({ kind: 'Node', name: 'n1' })).toEqual({
      group: '',
      resource: 'nodes',
      name: 'n1',
      verb: 'update',
    });
    expect(
      targetResourceAttributes({
        kind: 'Rollout',
        name: 'r',
        namespace: 'x',
        apiVersion: 'argoproj.io/v1alpha1',
      }),
    ).toMatchObject({ group: 'argoproj.io', resource: 'rollouts' });
  });
});
