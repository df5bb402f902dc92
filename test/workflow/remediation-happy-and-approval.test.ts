import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../lib/audit/index.js';
import {
  approveSignal,
  approveUpdate,
  rejectUpdate,
  statusQuery,
  workflowIdFor,
} from '../../lib/remediation-messages.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

describe('remediation workflow: happy path and approval', () => {
  const h = useRemediationHarness();
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'approval', h.created);
  });

  /** Plays enrichment and analysis; returns when the RR has moved past Analyzing. */
  async function throughAnalysis(rr: string, approvalRequired: boolean) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(approvalRequired));
  }

  it('no approval needed → every phase runs and the RR is Completed / Remediated, audited once per step', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, false);
    await h.playExecutionAndVerification(rr);
    const done = await h.waitForPhase(rr, ['Completed']);
    const status = done.status as Record<string, any>;
    expect(status.completionStatus.outcome).toBe('Remediated');
    expect(status.phaseProgress.signalProcessingRef.name).toBe(`sp-${rr}`);
    expect(status.phaseProgress.workflowExecutionRef.name).toBe(`we-${rr}`);
    expect(status.workflowSelection.selectedWorkflowRef.workflowId).toBe('restart-deployment');
    expect(status.conditions[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Completed' });
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-completion-${rr}`)).not.toBeNull();
    expect(await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`)).toBeNull();

    const types = await eventually('the completion audit event', async () => {
      const t = await h.auditTypes(rr);
      return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
    });
    expect(types).toEqual([
      'orchestrator.lifecycle.started',
      'orchestrator.lifecycle.created',
      'orchestrator.lifecycle.transitioned',
      'signalprocessing.enrichment.completed',
      'orchestrator.lifecycle.transitioned',
      'aianalysis.analysis.completed',
      'workflowexecution.selection.completed',
      'orchestrator.lifecycle.transitioned',
      'workflowexecution.execution.started',
      'workflowexecution.workflow.completed',
      'orchestrator.lifecycle.transitioned',
      'orchestrator.lifecycle.transitioned',
      'orchestrator.lifecycle.completed',
    ]);
    const chain = await verifyChain(h.pool, rr);
    expect(chain.is_valid).toBe(true);
    expect(chain.total_events).toBe(types.length);
  });

  it('approval required → RAR and Approval notification; approve through the update → executes and completes', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    expect(await h.waitForChild('RemediationApprovalRequest', `rar-${rr}`)).toBeTruthy();
    await eventually('the Approval notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-approval-${rr}`),
    );
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    const view = await handle.executeUpdate(approveUpdate, {
      args: [{ decidedBy: 'alice', reason: 'looks right' }],
    });
    expect(view.approval).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice',
      decisionMessage: 'looks right',
    });
    const rar = await eventually('RAR decision written', async () => {
      const o = await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`);
      return o?.status?.decision === 'Approved' ? o : undefined;
    });
    expect(rar.status).toMatchObject({ decidedBy: 'alice', decidedVia: 'update' });
    // A second decision is refused by the update's validator: the first one won.
    const refused = await handle.executeUpdate(rejectUpdate, { args: [{ decidedBy: 'bob' }] }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.name).toBe('WorkflowUpdateFailedError');
    expect((refused?.cause as Error | undefined)?.message).toBe(`remediation ${rr} was already approved`);
    await h.playExecutionAndVerification(rr);
    await h.waitForPhase(rr, ['Completed']);
    const types = await h.auditTypes(rr);
    expect(types.filter((t) => t === 'orchestrator.approval.requested')).toHaveLength(1);
    expect(types.filter((t) => t === 'orchestrator.approval.approved')).toHaveLength(1);
  });

  it('approve through the signal → the same decision, recorded as via signal', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .signal(approveSignal, { decidedBy: 'carol' });
    await h.waitForPhase(rr, ['Executing']);
    const rar = await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`);
    expect(rar?.status).toMatchObject({ decision: 'Approved', decidedBy: 'carol', decidedVia: 'signal' });
  });

  it('approve by patching the RAR status (kubectl) → the watcher relays it and execution starts', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    await h.setStatus('RemediationApprovalRequest', `rar-${rr}`, {
      decision: 'Approved',
      decidedBy: 'dave',
      decisionMessage: 'ok from kubectl',
    });
    await h.waitForPhase(rr, ['Executing']);
    // The workflow took the kubectl decision as its own (the RR status has no approval, as Kubernaut's).
    const view = await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).query(statusQuery);
    expect(view.approval).toMatchObject({ decision: 'Approved', decidedBy: 'dave' });
  });

  it('rejected through the update → RR Failed with failurePhase Approval and the reason', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    await handle.executeUpdate(rejectUpdate, {
      args: [{ decidedBy: 'erin', reason: 'not during the release' }],
    });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect((failed.status as Record<string, any>).completionStatus).toMatchObject({
      failurePhase: 'Approval',
      failureReason: 'Rejected by erin: not during the release',
    });
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
    expect((await handle.query(statusQuery)).approval.decision).toBe('Rejected');
  });

  it('approval expires → RAR Expired by system, RR Failed with failurePhase Approval (not a rejection)', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-awaitingApproval': '2s' } });
    await throughAnalysis(rr, true);
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect((failed.status as Record<string, any>).completionStatus.failurePhase).toBe('Approval');
    const rar = await h.objects.get('remediationapprovalrequests', h.namespace, `rar-${rr}`);
    expect(rar?.status).toMatchObject({ decision: 'Expired', decidedBy: 'system', expired: true });
    const types = await eventually('the failure audit event', async () => {
      const t = await h.auditTypes(rr);
      return t.includes('orchestrator.lifecycle.failed') ? t : undefined;
    });
    expect(types).toContain('orchestrator.approval.expired');
    expect(types).not.toContain('orchestrator.approval.rejected');
  });
});

describe('remediation workflow: the analysed target differs from the signalled one', () => {
  const h = useRemediationHarness();

  it('alert on a Pod, analysis targets its Deployment → after approval the Deployment (apps/v1) is checked and executed', async () => {
    const { apps } = kube();
    const deployment = uniqueName('web');
    const created = await apps.createNamespacedDeployment({
      namespace: h.namespace,
      body: {
        metadata: { name: deployment },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: deployment } },
          template: {
            metadata: { labels: { app: deployment } },
            spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
          },
        },
      },
    });
    const rr = await h.createRR({ target: `${deployment}-pod`, targetKind: 'Pod' });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    const analysis = completedAnalysis(true);
    // Kubernaut's shape: the remediation target under status.rcaResult; the workflow takes
    // the Deployment's spec hash itself and checks it again after approval.
    await h.setStatus('AIAnalysis', `ai-${rr}`, {
      ...analysis,
      rcaResult: {
        ...analysis.rcaResult,
        rootCauseAnalysis: {
          summary: 'the pod crashes',
          signalType: 'crash-loop',
          remediationTarget: { kind: 'Deployment', name: deployment, namespace: h.namespace },
        },
      },
    });
    expect(created.metadata?.name).toBe(deployment);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
    const we = await h.waitForChild('WorkflowExecution', `we-${rr}`);
    expect(we.spec?.targetResource).toBe(`${h.namespace}/Deployment/${deployment}`);
  });
});
