/**
 * Invariant I10 (docs/invariants.md): the approval ladder with quorum of a
 * RemediationPolicy. A ladder that reaches tier 2 when tier 1 times out (its own
 * notification, `orchestrator.approval.escalated`), needs 2 distinct approvers for a
 * risky action (a second approval by the same person does not count), refuses the
 * RR's creator and an approver without update rights on the target (a
 * SubjectAccessReview), decides exactly once when approvers answer at once, and
 * shows where it stands in the RAR status, the live view and `kubernaut pending`.
 * kubectl responses count only in their author's name: the admission policy of
 * deploy/ makes the name the API server's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import { encodeWorkflowUpdateStage } from '@temporalio/client/lib/workflow-update-stage.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { buildApp } from '../../api/app.js';
import { CREATED_BY_ANNOTATION, REQUESTED_BY_ANNOTATION } from '../../lib/approval-ladder.js';
import { approvalAdmissionPolicy } from '../../lib/kube/approval-admission.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { type KubeHttpError, kubeRequest } from '../../lib/kube/raw.js';
import { approveSignal, statusQuery, workflowIdFor } from '../../lib/remediation-messages.js';
import type { RemediationView } from '../../lib/remediation-view.js';
import { kubeconfig } from '../../stack/kube.js';
import { runCli } from '../harness/cli.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube, stackInfo, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

interface AuditRow {
  event_type: string;
  actor_type: string;
  actor_id: string;
  event_data: Record<string, unknown>;
}

const RAR_PLURAL = 'remediationapprovalrequests';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

describe('approval ladder with quorum (I10)', () => {
  const h = useRemediationHarness();
  let client: Client;
  let app: FastifyInstance;
  let apiUrl: string;
  const tmp = mkdtempSync(join(tmpdir(), 'ladder-'));
  let policyName: string | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const connection = await Connection.connect({ address: stackInfo().temporalAddress });
    client = new Client({ connection, namespace: stackInfo().temporalNamespace });
    const token = (name: string, groups?: string[]) => ({
      token: `${name}-token`,
      name,
      roles: ['approver' as const],
      kind: 'user' as const,
      ...(groups ? { groups } : {}),
    });
    app = await buildApp({
      pool: h.pool,
      temporal: client,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [
          token('alice'),
          token('carol', ['sre']),
          token('dave', ['sre']),
          token('erin', ['sre']),
          token('mallory', ['sre']),
        ],
      },
    });
    apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    // Update rights on Deployments in the test namespace for everyone but mallory
    // (bound by name, not by group: mallory's sre membership gives her none).
    const { kc } = kube();
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/roles`, {
      metadata: { name: 'target-updaters' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'update'] }],
    });
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/rolebindings`, {
      metadata: { name: 'target-updaters' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'target-updaters' },
      subjects: ['alice', 'carol', 'dave', 'erin'].map((name) => ({
        kind: 'User',
        apiGroup: 'rbac.authorization.k8s.io',
        name,
      })),
    });
    // kubectl users (the stack's static-token users): they answer RARs and create RRs.
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/roles`, {
      metadata: { name: 'rar-responders' },
      rules: [
        { apiGroups: ['kubernaut.ai'], resources: ['remediationapprovalrequests'], verbs: ['get'] },
        {
          apiGroups: ['kubernaut.ai'],
          resources: ['remediationapprovalrequests/status'],
          verbs: ['get', 'patch'],
        },
        { apiGroups: ['kubernaut.ai'], resources: ['remediationrequests'], verbs: ['create'] },
      ],
    });
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/rolebindings`, {
      metadata: { name: 'rar-responders' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rar-responders' },
      subjects: stackInfo().kubeUsers.map((u) => ({
        kind: 'User',
        apiGroup: 'rbac.authorization.k8s.io',
        name: u.name,
      })),
    });
    // RBAC reaches the authorizer through its informer: wait until both are in force.
    await eventually('RBAC in force', async () => {
      const sar = async (user: string, resource: string, group: string, subresource?: string) =>
        (
          (await kubeRequest(kc, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
            spec: {
              user,
              resourceAttributes: { namespace: h.namespace, verb: 'patch', group, resource, subresource },
            },
          })) as { status?: { allowed?: boolean } }
        ).status?.allowed;
      const update = (
        (await kubeRequest(kc, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          spec: {
            user: 'carol',
            resourceAttributes: {
              namespace: h.namespace,
              verb: 'update',
              group: 'apps',
              resource: 'deployments',
            },
          },
        })) as { status?: { allowed?: boolean } }
      ).status?.allowed;
      return update && (await sar('bob', RAR_PLURAL, 'kubernaut.ai', 'status'));
    });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await recordHistories(client, 'approval-ladder', h.created);
    await app?.close();
    await client?.connection.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Replaces the namespace's approval policy (read by each remediation when it reaches approval). */
  async function usePolicy(approval: Record<string, unknown>) {
    if (policyName) await deletePolicy(policyName);
    policyName = uniqueName('ladder');
    await h.objects.create('remediationpolicies', h.namespace, {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'RemediationPolicy',
      metadata: { name: policyName, namespace: h.namespace },
      spec: { approval },
    } as KubeObject);
  }
  const deletePolicy = (name: string) =>
    kube()
      .custom.deleteNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace: h.namespace,
        plural: 'remediationpolicies',
        name,
      })
      .catch(() => {});

  /** An RR created (as dave says the annotation) and played to AwaitingApproval. */
  async function awaiting(createdBy = 'dave', more: Record<string, string> = {}): Promise<string> {
    const rr = await h.createRR({ annotations: { [CREATED_BY_ANNOTATION]: createdBy, ...more } });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(true));
    await h.waitForPhase(rr, ['AwaitingApproval']);
    return rr;
  }

  const rar = async (rr: string) => (await h.objects.get(RAR_PLURAL, h.namespace, `rar-${rr}`))!;
  const rarStatus = async (rr: string) => ((await rar(rr)).status ?? {}) as Record<string, unknown>;
  const decide = (rr: string, who: string, decision: 'approve' | 'reject' = 'approve', reason?: string) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/remediation-requests/${h.namespace}/${rr}/${decision}`,
      payload: reason ? { reason } : {},
      headers: { authorization: `Bearer ${who}-token` },
    });
  const audit = async (rr: string): Promise<AuditRow[]> =>
    (
      await h.pool.query(
        'SELECT event_type, actor_type, actor_id, event_data FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
        [rr],
      )
    ).rows;
  const auditAll = (rr: string, type: string) =>
    audit(rr).then((rows) => rows.filter((e) => e.event_type === type));
  const view = (rr: string) =>
    client.workflow.getHandle(workflowIdFor(h.namespace, rr)).query(statusQuery) as Promise<RemediationView>;

  /** A client acting as one of the stack's static-token users (what `kubectl --token` would be). */
  function kubectlAs(user: string): k8s.KubeConfig {
    const u = stackInfo().kubeUsers.find((x) => x.name === user)!;
    const path = join(tmp, `${user}.kubeconfig`);
    const cluster = kube().kc.getCurrentCluster()!;
    const ca = stackInfo().kubeCaPem ?? Buffer.from(cluster.caData ?? '', 'base64').toString('utf8');
    writeFileSync(path, kubeconfig(stackInfo().kubeServer ?? cluster.server, ca, user, u.token), {
      mode: 0o600,
    });
    return loadKubeConfig(path);
  }
  /** `kubectl patch rar … --subresource=status --type=json -p '[{"op":"add","path":"/status/responses/-",…}]'` */
  const respond = (kc: k8s.KubeConfig, rr: string, response: Record<string, unknown>) =>
    kubeRequest(
      kc,
      'PATCH',
      `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/${RAR_PLURAL}/rar-${rr}/status`,
      [{ op: 'add', path: '/status/responses/-', value: response }],
      'application/json-patch+json',
    );

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
      approvalPolicy: policyName,
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
    await client.workflow
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

  it('approvers answering at once make exactly one final decision: 2 of 3 count, the third is told it came too late', async () => {
    await usePolicy({
      tiers: [{ approvers: { users: ['alice', 'carol'], groups: ['sre'] }, timeout: '5m' }],
      quorum: { approvals: 2 },
    });
    const rr = await awaiting('dave');
    const updateAdmitted = (updateId: string) =>
      eventually(`update ${updateId} to be admitted`, async () => {
        await client.workflowService.pollWorkflowExecutionUpdate({
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

  it('kubectl: a response counts only in its author’s name (the admission policy), and only if its author may approve', async () => {
    const name = uniqueName('approval-identity');
    const [policy, binding] = approvalAdmissionPolicy({
      orchestrators: ['admin'],
      namespaces: [h.namespace],
      name,
    });
    await kubeRequest(kube().kc, 'POST', `${ADMISSION}/validatingadmissionpolicies`, policy);
    await kubeRequest(kube().kc, 'POST', `${ADMISSION}/validatingadmissionpolicybindings`, binding);
    cleanups.push(
      () => kubeRequest(kube().kc, 'DELETE', `${ADMISSION}/validatingadmissionpolicybindings/${name}`),
      () => kubeRequest(kube().kc, 'DELETE', `${ADMISSION}/validatingadmissionpolicies/${name}`),
    );
    const bob = kubectlAs('bob');
    const alice = kubectlAs('alice');
    // An RR bob creates must name him: refused without (policies load asynchronously).
    const rrBody = (annotations: Record<string, string>) => {
      const body = sampleRemediationRequest(
        h.namespace,
        uniqueName('rr-bob'),
        'web',
      ) as unknown as KubeObject;
      body.metadata.annotations = annotations;
      return body;
    };
    const createAs = (kc: k8s.KubeConfig, annotations: Record<string, string>) =>
      kubeRequest(
        kc,
        'POST',
        `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/remediationrequests?dryRun=All`,
        rrBody(annotations),
      );
    const refusedCreate = await eventually('the admission policy in force', async () => {
      const err = await createAs(bob, {}).then(
        () => undefined,
        (e: KubeHttpError) => e,
      );
      return err?.message.includes('kubernaut.ai/created-by: bob') ? err : undefined;
    });
    expect(refusedCreate.code).toBe(403);
    await expect(createAs(bob, { [CREATED_BY_ANNOTATION]: 'alice' })).rejects.toThrow(/created-by: bob/);
    await createAs(bob, { [CREATED_BY_ANNOTATION]: 'bob' });

    await usePolicy({
      tiers: [{ approvers: { groups: ['kubernaut:approvers'] }, timeout: '5m' }],
    });
    const rr = await awaiting('admin');
    // bob cannot answer in alice's name, nor claim her group.
    const forged = await respond(bob, rr, { by: 'alice', decision: 'Approved' }).then(
      () => undefined,
      (e: KubeHttpError) => e,
    );
    expect(forged?.code).toBe(403);
    expect(forged?.message).toContain('must say by: bob');
    await expect(
      respond(bob, rr, { by: 'bob', decision: 'Approved', groups: ['kubernaut:approvers'] }),
    ).rejects.toThrow(/groups only among your own/);
    // In his own name his approval is accepted by the API server, and refused by the ladder.
    await respond(bob, rr, { by: 'bob', decision: 'Approved', message: 'lgtm' });
    const [refused] = await eventually('bob refused', async () => {
      const rows = await auditAll(rr, 'orchestrator.approval.refused');
      return rows.length ? rows : undefined;
    });
    expect(refused!.event_data).toMatchObject({
      decided_by: 'bob',
      decided_via: 'kubectl',
      reason_code: 'NotAnApprover',
    });
    expect((await view(rr)).phase).toBe('AwaitingApproval');
    // alice, an approver by her group, with update rights on the target: approved.
    await respond(alice, rr, { by: 'alice', decision: 'Approved', groups: ['kubernaut:approvers'] });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    expect(await rarStatus(rr)).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice',
      decidedVia: 'kubectl',
      approvals: [{ approver: 'alice', via: 'kubectl' }],
      responses: [
        { by: 'bob', decision: 'Approved' },
        { by: 'alice', decision: 'Approved' },
      ],
    });
  });

  it('kubernaut approve through the API: a counted approval says how many more, a refused one exits 1 saying why', async () => {
    await usePolicy({
      tiers: [{ name: 'on-call', approvers: { users: ['alice', 'carol'], groups: ['sre'] }, timeout: '5m' }],
      quorum: { approvals: 2 },
    });
    const rr = await awaiting('dave');
    const counted = await cli(['approve', rr, '--reason', 'checked'], 'alice');
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stdout).toContain(
      `approval of ${h.namespace}/${rr} recorded (alice); 1 more needed from users alice, carol; groups sre (tier 1 of 1 until `,
    );
    const self = await cli(['approve', rr], 'dave');
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('dave created this remediation and may not approve it');
    const status = await cli(['status', rr]);
    expect(status.stdout).toMatch(
      new RegExp(
        `ladder ${policyName}: tier 1 of 1 \\(on-call\\) until \\S+; approved by alice \\(update, \\S+\\); 1 of 2 still needed`,
      ),
    );
    const final = await cli(['approve', rr], 'carol');
    expect(final.code, final.stderr).toBe(0);
    expect(final.stdout).toContain(`approved ${h.namespace}/${rr} (by alice, carol)`);
  });

  it('without an approval policy, approval is as before: one approver, no ladder', async () => {
    if (policyName) await deletePolicy(policyName);
    policyName = undefined;
    const rr = await awaiting('dave');
    const status = await rarStatus(rr);
    expect(status.approvalsRequired).toBeUndefined();
    // dave created it, but with no ladder nothing stops him (I3 alone).
    const ok = await decide(rr, 'dave');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().approval).toMatchObject({ decision: 'Approved', decidedBy: 'dave' });
    expect(ok.json().approval.ladder).toBeUndefined();
  });

  /** The `kubernaut` CLI, against Temporal, or through the API with `token`'s identity. */
  const cli = (args: string[], token?: string) =>
    runCli(args, {
      TEMPORAL_ADDRESS: stackInfo().temporalAddress,
      TEMPORAL_NAMESPACE: stackInfo().temporalNamespace,
      KUBERNAUT_NAMESPACE: h.namespace,
      ...(token ? { KUBERNAUT_API_URL: apiUrl, KUBERNAUT_API_TOKEN: `${token}-token` } : {}),
    });

  /** `kubernaut pending`, as JSON and as the table people read. */
  async function cliPending() {
    const run = async (args: string[]) => {
      const r = await cli(['pending', ...args]);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    };
    return eventually('pending to list the remediation', async () => {
      const json = JSON.parse(await run(['-o', 'json'])) as (Record<string, unknown> & { name: string })[];
      if (!json.some((p) => p.tier !== undefined)) return undefined;
      return { json, table: await run([]) };
    });
  }
});
