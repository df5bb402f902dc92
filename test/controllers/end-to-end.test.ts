/**
 * End to end with no external service: an alert about a crash-looping
 * Deployment in production becomes a RemediationRequest, and the built-in
 * controllers take it all the way — enrichment, analysis selecting a restart,
 * approval (required in production), the Deployment restarted, the effect
 * assessed — to Completed / Remediated, with each notification arriving at a
 * real webhook server exactly once. The local cluster has no kubelet, so the
 * test plays it: the Deployment's pods are marked Ready as they appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { RESTARTED_AT } from '../../workers/controllers/actions.js';
import { CONTROLLER_NAMES } from '../../workers/controllers/config.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { startWebhookReceiver } from '../harness/webhook-receiver.js';
import { createDeployment, labelNamespace, playKubelet, rollOut } from '../harness/workloads.js';

const receiver = await startWebhookReceiver();

describe('end to end with the built-in controllers', () => {
  const h = useRemediationHarness(
    { stabilizationWindow: '1s' },
    {
      controllers: {
        enabled: [...CONTROLLER_NAMES],
        effectiveness: { healthGraceMs: 20_000, recheckMs: 200 },
        notification: {
          channels: { ops: { type: 'webhook', url: `${receiver.url}/ops` } },
          routes: [{ channels: ['ops'] }],
          backoffUnitMs: 10,
        },
      },
    },
  );
  beforeAll(async () => {
    await labelNamespace(h.namespace, { 'kubernaut.ai/environment': 'production' });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('crash-looping Deployment → restart approved → rolled out → Completed / Remediated; each notification delivered once', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    await rollOut(h.namespace, web);
    const kubelet = playKubelet(h.namespace, web);
    try {
      const rr = await h.createRR({ target: web });

      // Production → the analysis asks for approval; a person approves through the update.
      await h.waitForPhase(rr, ['AwaitingApproval']);
      const aa = await h.objects.get('aianalyses', h.namespace, `ai-${rr}`);
      expect((aa?.status?.rcaResult as Record<string, unknown> | undefined)?.selectedWorkflow).toMatchObject({
        actionType: 'restart',
        executionBundle: 'builtin:restart',
      });
      await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).executeUpdate(approveUpdate, {
        args: [{ decidedBy: 'alice', reason: 'the pods are crash looping' }],
      });

      const restarted = await eventually('the pod template to be stamped', async () => {
        const d = await kube().apps.readNamespacedDeployment({ namespace: h.namespace, name: web });
        return d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
      });
      const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut'], 60_000);
      expect(done.status?.overallPhase).toBe('Completed');
      expect(done.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });

      const we = await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`);
      expect(we?.status).toMatchObject({ phase: 'Completed', startTime: restarted });
      const ea = await h.objects.get('effectivenessassessments', h.namespace, `ea-${rr}`);
      expect(ea?.status).toMatchObject({ phase: 'Completed', assessmentReason: 'Full' });

      // Approval and completion notifications, each at the webhook exactly once.
      for (const type of ['approval', 'completion']) {
        const name = `nr-${type}-${rr}`;
        await eventually(`${name} to be Sent`, async () => {
          const nr = await h.objects.get('notificationrequests', h.namespace, name);
          return nr?.status?.phase === 'Sent';
        });
        const copies = receiver.received.filter((r) => r.body?.notification?.name === name);
        expect(copies, name).toHaveLength(1);
      }
      const types = await eventually('the completion audit event', async () => {
        const t = await h.auditTypes(rr);
        return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
      });
      expect(types.filter((t) => t === 'notification.message.sent')).toHaveLength(2);
      expect(types).toEqual(
        expect.arrayContaining([
          'signalprocessing.enrichment.completed',
          'aianalysis.analysis.completed',
          'orchestrator.approval.approved',
          'workflowexecution.workflow.completed',
          // The assessment's score is in the trail (GET /api/v1/effectiveness/{id} reads it).
          'effectiveness.health.assessed',
          'effectiveness.assessment.completed',
        ]),
      );
    } finally {
      await kubelet.stop();
    }
  });
});
