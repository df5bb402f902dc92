/**
 * Invariant I11 (docs/invariants.md): an ineffective remediation is rolled back. The
 * built-in WorkflowExecution and EffectivenessAssessment controllers run for real
 * against a Deployment; the local cluster has no kubelet, so a restart's new pods stay
 * Pending — a restart that made things worse (health 2/2 → 1/2). A RemediationPolicy
 * asks for a rollback on HealthWorse: the prior pod template comes back, the RR ends
 * Completed / RolledBack, audited and notified — once, even with a worker restart in
 * the middle. An action that cannot be undone waits for a person at high confidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRollbackActivities } from '../../activities/rollback.js';
import { PRIOR_STATE } from '../../lib/execution-marks.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { approveUpdate, rejectUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { RESTARTED_AT } from '../../workers/controllers/actions.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { createPolicy } from '../harness/policies.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { createDeployment, playKubelet, rollOut } from '../harness/workloads.js';

describe('rollback on an ineffective verdict (I11)', () => {
  const h = useRemediationHarness(
    { stabilizationWindow: '1s' },
    {
      controllers: {
        enabled: ['workflowexecution', 'effectivenessassessment'],
        effectiveness: { healthGraceMs: 4_000, recheckMs: 200 },
      },
    },
  );
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'rollback', h.created);
  });
  beforeAll(async () => {
    await createPolicy(h.namespace, 'undo-what-hurts', {
      targetNamespaces: [h.namespace],
      rollback: { on: ['HealthWorse'] },
    });
  });

  const deployment = (name: string) => kube().apps.readNamespacedDeployment({ namespace: h.namespace, name });

  /** A healthy 2-replica Deployment and an RR whose analysis selects a restart (no approval). */
  async function restartOf(web: string) {
    await createDeployment(h.namespace, web, { replicas: 2 });
    const healthy = await rollOut(h.namespace, web);
    const rr = await h.createRR({ target: web });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
    return { rr, template: healthy.spec!.template };
  }

  const count = (types: string[], type: string) => types.filter((t) => t === type).length;

  it('a restart that made things worse is rolled back: prior template, Completed / RolledBack, audited, notified', async () => {
    const web = uniqueName('web');
    const { rr, template } = await restartOf(web);

    const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 90_000);
    expect(done.status?.overallPhase).toBe('Completed');
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'RolledBack' });

    // The execution recorded the prior state before acting; the restart did change the template.
    const we = await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`);
    expect(we?.status?.phase).toBe('Completed');
    const prior = JSON.parse(we!.metadata.annotations![PRIOR_STATE]!);
    expect(prior).toMatchObject({
      action: 'restart',
      kind: 'Deployment',
      health: { healthy: true, score: 1 },
    });
    expect(prior.spec.template).toEqual(JSON.parse(JSON.stringify(template)));
    // The assessment found it worse (new pods never ready).
    const ea = await h.objects.get('effectivenessassessments', h.namespace, `ea-${rr}`);
    expect(ea?.status?.components).toMatchObject({ healthScore: 0.5 });

    // The prior pod template is back, and the Deployment is healthy on it again.
    const restored = await deployment(web);
    expect(restored.spec?.template.metadata?.annotations?.[RESTARTED_AT]).toBeUndefined();
    expect(JSON.parse(JSON.stringify(restored.spec?.template))).toEqual(JSON.parse(JSON.stringify(template)));
    expect(restored.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });

    const types = await eventually('the completion audit event', async () => {
      const t = await h.auditTypes(rr);
      return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
    });
    expect(count(types, 'orchestrator.rollback.started')).toBe(1);
    expect(count(types, 'orchestrator.rollback.completed')).toBe(1);
    expect(types).not.toContain('orchestrator.rollback.failed');
    expect(types.indexOf('orchestrator.rollback.completed')).toBeLessThan(
      types.indexOf('orchestrator.lifecycle.completed'),
    );
    const nr = await h.objects.get('notificationrequests', h.namespace, `nr-rollback-${rr}`);
    expect(nr?.spec).toMatchObject({ type: 'StatusUpdate', priority: 'High' });
    expect(String(nr?.spec?.subject)).toContain('Rolled back');
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-completion-${rr}`)).toBeNull();
  });

  it('a worker restart during the rollback does not roll back twice', async () => {
    const web = uniqueName('web');
    const { rr, template } = await restartOf(web);
    // The restart landed; one old pod dies and its replacement stays Pending, so once
    // rolled back the Deployment is unhealthy until the kubelet (this test) starts the pod.
    await eventually('the restart to stamp the pod template', async () => {
      const d = await deployment(web);
      return d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
    });
    const { core } = kube();
    const pods = await core.listNamespacedPod({ namespace: h.namespace, labelSelector: `app=${web}` });
    const old = pods.items.find((p) => p.status?.phase === 'Running')!;
    await core.deleteNamespacedPod({ namespace: h.namespace, name: old.metadata!.name! });

    // The rollback has written the template back and waits for health: stop the worker there.
    await eventually(
      'the rollback to restore the template',
      async () => {
        const d = await deployment(web);
        return !d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
      },
      60_000,
    );
    const before = await deployment(web);
    expect((await h.objects.get('remediationrequests', h.namespace, rr))?.status?.overallPhase).toBe(
      'Verifying',
    );
    await h.restartWorker();

    const kubelet = playKubelet(h.namespace, web);
    try {
      const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 60_000);
      expect(done.status?.completionStatus).toMatchObject({ outcome: 'RolledBack' });
    } finally {
      await kubelet.stop();
    }
    // No second write of the spec: the generation the restore produced is the last one.
    const after = await deployment(web);
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(JSON.parse(JSON.stringify(after.spec?.template))).toEqual(JSON.parse(JSON.stringify(template)));
    const types = await eventually('the completion audit event', async () => {
      const t = await h.auditTypes(rr);
      return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
    });
    expect(count(types, 'orchestrator.rollback.started')).toBe(1);
    expect(count(types, 'orchestrator.rollback.completed')).toBe(1);
    expect(count(types, 'orchestrator.lifecycle.completed')).toBe(1);
  });

  it('a change a person made after the restart is never overwritten: ManualReviewRequired, TargetChanged', async () => {
    const web = uniqueName('web');
    const { rr } = await restartOf(web);
    await eventually('the restart to complete', async () => {
      const we = await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`);
      return we?.status?.phase === 'Completed';
    });
    // Someone scales the Deployment before the assessment is done.
    await kubeRequest(
      kube().kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${h.namespace}/deployments/${web}`,
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );

    const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 60_000);
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'ManualReviewRequired' });
    const d = await deployment(web);
    expect(d.spec?.replicas).toBe(3);
    expect(d.spec?.template.metadata?.annotations?.[RESTARTED_AT]).toBeDefined();
    const { rows } = await h.pool.query(
      "SELECT event_data FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.rollback.failed'",
      [rr],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].event_data).toMatchObject({ reason: 'TargetChanged' });
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-manual-review-${rr}`)).not.toBeNull();
    expect(await h.objects.get('notificationrequests', h.namespace, `nr-rollback-${rr}`)).toBeNull();
  });

  it("a CRD without the outcome (Kubernaut's) is found out by a dry run that stores nothing", async () => {
    const rr = await h.createRR();
    const rollback = createRollbackActivities(kube().kc);
    const ask = (outcome: string) => rollback.acceptsOutcome({ namespace: h.namespace, name: rr, outcome });
    expect(await ask('RolledBack')).toBe(true);
    // Not in the enum: the apiserver refuses it, as Kubernaut's RR CRD refuses RolledBack.
    expect(await ask('NotAnOutcome')).toBe(false);
    const stored = await h.objects.get('remediationrequests', h.namespace, rr);
    expect((stored?.status?.completionStatus as { outcome?: string } | undefined)?.outcome).toBeUndefined();
  });

  /** An RR whose analysis selects this workflow with no approval asked; answered once it waits for one. */
  async function analysedAs(selected: Record<string, unknown>) {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    const analysis = completedAnalysis(false);
    analysis.rcaResult.selectedWorkflow = { ...analysis.rcaResult.selectedWorkflow, ...selected };
    await h.setStatus('AIAnalysis', `ai-${rr}`, analysis);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    return rr;
  }

  it('an action that cannot be undone waits for a person even at high confidence', async () => {
    const rr = await analysedAs({
      workflowId: 'delete-stuck-pod',
      actionType: 'delete-pod',
      executionBundle: 'builtin:delete-pod',
      confidence: 0.97,
    });
    const rar = await h.waitForChild('RemediationApprovalRequest', `rar-${rr}`);
    expect(JSON.stringify(rar.spec)).toContain('cannot be undone');
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    await handle.executeUpdate(rejectUpdate, { args: [{ decidedBy: 'alice', reason: 'not now' }] });
    const done = await h.waitForPhase(rr, ['Failed']);
    expect(
      String((done.status?.completionStatus as { failureReason?: string } | undefined)?.failureReason),
    ).toContain('Rejected by alice');
  });

  it('a container bundle declares no way to undo it: it waits for a person even at high confidence', async () => {
    const rr = await analysedAs({
      workflowId: 'flush-cache',
      actionType: 'job',
      executionBundle: 'busybox:1.36',
      confidence: 0.99,
    });
    const rar = await h.waitForChild('RemediationApprovalRequest', `rar-${rr}`);
    expect(JSON.stringify(rar.spec)).toContain('declares no way to undo it');
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    await handle.executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
    const we = await h.waitForChild('WorkflowExecution', `we-${rr}`);
    expect(JSON.stringify(we.spec)).toContain('busybox:1.36');
  });
});
