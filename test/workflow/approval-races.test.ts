/**
 * Invariant I3 (DESIGN §14): the first decision recorded anywhere — the RAR status,
 * an update, a signal, the API — is final. It is never overwritten, and a decision
 * that loses is refused or audited as ignored. The races are made deterministic by
 * a worker outage: decisions pile up while no worker runs, then one workflow task
 * sees them all at once, as after a crash.
 */
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import { encodeWorkflowUpdateStage } from '@temporalio/client/lib/workflow-update-stage.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { buildApp } from '../../api/app.js';
import type { KubeHttpError } from '../../lib/kube/raw.js';
import { approveSignal, approveUpdate, rejectSignal, workflowIdFor } from '../../lib/remediation-messages.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, stackInfo } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

/** The RR status fields these tests read. */
const rrStatus = (rr: KubeObject) =>
  rr.status as { completionStatus: Record<string, string>; approval: { requiredBy: string } };

describe('approval races: the first decision recorded is final (I3)', () => {
  const h = useRemediationHarness();
  let client: Client;
  let app: FastifyInstance;
  beforeAll(async () => {
    // Independent of the worker runtime, which the outages below stop and restart
    // (h.restartWorker): decisions are sent while no worker runs.
    const connection = await Connection.connect({ address: stackInfo().temporalAddress });
    client = new Client({ connection, namespace: stackInfo().temporalNamespace });
    app = await buildApp({
      pool: h.pool,
      temporal: client,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [{ token: 'alice-token', name: 'alice', roles: ['approver'], kind: 'user' }],
      },
    });
  });
  afterAll(async () => {
    await recordHistories(client, 'approval-races', h.created);
    await app?.close();
    await client?.connection.close();
  });

  const rar = (rr: string) => h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`);
  const handle = (rr: string) => client.workflow.getHandle(workflowIdFor(h.namespace, rr));
  const apiDecide = (rr: string, decision: 'approve' | 'reject', reason?: string) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/remediation-requests/${h.namespace}/${rr}/${decision}`,
      payload: reason ? { reason } : {},
      headers: { authorization: 'Bearer alice-token' },
    });
  const audit = h.auditRows;
  const auditOf = (rr: string, type: string) =>
    eventually(`a ${type} audit event for ${rr}`, async () =>
      (await audit(rr)).find((e) => e.event_type === type),
    );

  /** Resolves once Temporal holds the update (admitted; no worker has seen it yet). */
  const updateAdmitted = (rr: string, updateId: string) =>
    eventually(`update ${updateId} to be admitted`, async () => {
      await client.workflowService.pollWorkflowExecutionUpdate({
        namespace: stackInfo().temporalNamespace,
        updateRef: { workflowExecution: { workflowId: workflowIdFor(h.namespace, rr) }, updateId },
        identity: 'approval-races.test',
        waitPolicy: { lifecycleStage: encodeWorkflowUpdateStage(WorkflowUpdateStage.ADMITTED) },
      });
      return true;
    });

  it('a kubectl rejection recorded before an approve update is processed wins: the RR fails Rejected, the RAR keeps it, the update is a 409, nothing executes', async () => {
    const rr = await h.awaitingApproval();
    let approving!: ReturnType<typeof apiDecide>;
    await h.restartWorker(async () => {
      await h.setStatus('RemediationApprovalRequest', `rar-${rr}`, {
        decision: 'Rejected',
        decidedBy: 'bob',
        decisionMessage: 'change freeze',
      });
      approving = apiDecide(rr, 'approve', 'looks fine');
      await updateAdmitted(rr, `rar-${rr}-approve-alice`);
    });

    const refused = await approving;
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json().detail).toMatch(
      new RegExp(
        `^remediation ${rr} was already rejected by bob \\(kubectl\\) at .+: change freeze; this approval by alice was not recorded$`,
      ),
    );
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(rrStatus(failed).completionStatus).toMatchObject({
      failurePhase: 'Approval',
      failureReason: 'Rejected by bob: change freeze',
    });
    expect((await rar(rr))?.status).toMatchObject({
      decision: 'Rejected',
      decidedBy: 'bob',
      decisionMessage: 'change freeze',
      decidedVia: 'kubectl',
    });
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();

    // bob's name is his claim (the orchestrator reports it); alice's losing approval is on record.
    const rejected = await auditOf(rr, 'orchestrator.approval.rejected');
    expect(rejected).toMatchObject({ actor_type: 'service', actor_id: 'remediation-orchestrator' });
    expect(rejected.event_data).toMatchObject({ decided_by: 'bob', claimed_decided_by: 'bob' });
    const ignored = await auditOf(rr, 'orchestrator.approval.ignored');
    expect(ignored.event_data).toMatchObject({
      ignored_decision: 'Approved',
      claimed_decided_by: 'alice',
      decided_via: 'update',
      recorded_decision: 'Rejected',
      recorded_decided_by: 'bob',
    });
    expect((await audit(rr)).map((e) => e.event_type)).not.toContain('orchestrator.approval.approved');
  });

  it('an approval recorded first stands: a later kubectl rejection is refused by the API server, and the remediation executes', async () => {
    const rr = await h.awaitingApproval();
    const approved = await apiDecide(rr, 'approve', 'checked the graphs');
    expect(approved.statusCode).toBe(200);
    expect(approved.json().approval).toMatchObject({ decision: 'Approved', decidedBy: 'alice' });

    const overwrite = await h
      .setStatus('RemediationApprovalRequest', `rar-${rr}`, { decision: 'Rejected', decidedBy: 'bob' })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect((overwrite as KubeHttpError | undefined)?.code).toBe(422);
    expect(overwrite?.message).toContain('the approval decision is final once recorded');
    expect((await rar(rr))?.status).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice',
      decidedVia: 'update',
    });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    // Through the API the decider is the authenticated identity, not a claim.
    const decided = await auditOf(rr, 'orchestrator.approval.approved');
    expect(decided).toMatchObject({ actor_type: 'user', actor_id: 'alice' });
    expect(decided.event_data).not.toHaveProperty('claimed_decided_by');
  });

  it('a signal that loses is ignored and audited as ignored: to a kubectl approval recorded first, and after the decision', async () => {
    const rr = await h.awaitingApproval();
    await h.restartWorker(async () => {
      await h.setStatus('RemediationApprovalRequest', `rar-${rr}`, {
        decision: 'Approved',
        decidedBy: 'dave',
      });
      await handle(rr).signal(rejectSignal, { decidedBy: 'mallory', reason: 'too risky' });
    });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    expect((await rar(rr))?.status).toMatchObject({ decision: 'Approved', decidedBy: 'dave' });
    const lost = await auditOf(rr, 'orchestrator.approval.ignored');
    expect(lost.event_data).toMatchObject({
      ignored_decision: 'Rejected',
      claimed_decided_by: 'mallory',
      decided_via: 'signal',
      decision_message: 'too risky',
      recorded_decision: 'Approved',
      recorded_decided_by: 'dave',
    });
    expect(lost.event_data.reason).toMatch(/^approved by dave \(kubectl\) at .+ first$/);

    await handle(rr).signal(approveSignal, { decidedBy: 'erin' });
    const late = await eventually('the second ignored decision', async () =>
      (await audit(rr)).find(
        (e) => e.event_type === 'orchestrator.approval.ignored' && e.event_data.claimed_decided_by === 'erin',
      ),
    );
    expect(late.event_data).toMatchObject({
      ignored_decision: 'Approved',
      reason: `remediation ${rr} was already approved`,
    });
    const types = (await audit(rr)).map((e) => e.event_type);
    expect(
      types.filter((t) => t.startsWith('orchestrator.approval.') && t !== 'orchestrator.approval.ignored'),
    ).toEqual(['orchestrator.approval.requested', 'orchestrator.approval.approved']);
  });

  it('an approval arriving after requiredBy (a worker outage) is refused: the update fails, the signal is ignored, the approval expires', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-awaitingApproval': '10s' } });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(true));
    await h.waitForPhase(rr, ['AwaitingApproval']);
    // The deadline is on the RAR (the RR status has no approval, as Kubernaut's).
    const request = await h.waitForChild('RemediationApprovalRequest', `rar-${rr}`);
    const requiredBy = Date.parse(String(request.spec?.requiredBy));
    expect(Number.isNaN(requiredBy)).toBe(false);

    let approving!: Promise<unknown>;
    await h.restartWorker(async () => {
      await eventually(
        'the approval window to close',
        async () => Date.now() > requiredBy + 500,
        30_000,
        250,
      );
      approving = handle(rr)
        .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }], updateId: 'late-approval' })
        .then(
          () => undefined,
          (e: Error) => e,
        );
      await updateAdmitted(rr, 'late-approval');
      await handle(rr).signal(approveSignal, { decidedBy: 'carol' });
    });

    const refused = (await approving) as Error | undefined;
    expect(refused?.name).toBe('WorkflowUpdateFailedError');
    expect((refused?.cause as Error | undefined)?.message).toBe(
      `remediation ${rr} can no longer be decided: its approval window closed at ${new Date(requiredBy).toISOString()}`,
    );
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(rrStatus(failed).completionStatus.failurePhase).toBe('Approval');
    expect((await rar(rr))?.status).toMatchObject({
      decision: 'Expired',
      decidedBy: 'system',
      expired: true,
    });
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
    const ignored = await auditOf(rr, 'orchestrator.approval.ignored');
    expect(ignored.event_data).toMatchObject({ ignored_decision: 'Approved', claimed_decided_by: 'carol' });
    expect(ignored.event_data.reason).toContain('its approval window closed');
  });

  it('an Inconclusive completion is announced as inconclusive, not as Remediated', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, { phase: 'Completed' });
    await h.waitForChild('EffectivenessAssessment', `ea-${rr}`);
    await h.setStatus('EffectivenessAssessment', `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'MetricsTimedOut',
    });
    const done = await h.waitForPhase(rr, ['Completed']);
    expect(rrStatus(done).completionStatus.outcome).toBe('Inconclusive');
    const notice = await h.objects.get('notificationrequests', h.namespace, `nr-completion-${rr}`);
    expect(notice?.spec).toMatchObject({ type: 'Completion', priority: 'Low' });
    expect(notice?.spec?.subject).toMatch(/^Remediation inconclusive: KubePodCrashLooping on /);
    expect(notice?.spec?.subject).not.toContain('Remediated');
    expect(notice?.spec?.body).toContain('could not confirm that it worked (assessment: MetricsTimedOut)');
  });
});
