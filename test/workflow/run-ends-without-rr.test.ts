/**
 * Invariants I1, I4 and I5 (docs/invariants.md) on the paths the workflow itself
 * cannot cover: its run is terminated or fails, its RR is restored from the audit
 * trail, or the cancel that should follow a delete is lost. The reconciler
 * (workers/reconciler.ts) runs every second here.
 */
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { reconstructRemediationRequest } from '../../lib/reconstruct/index.js';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo, uniqueName } from '../harness/index.js';
import { completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { genesisEvent } from '../reconstruct/reconstruct-fixtures.js';

describe('a remediation whose workflow run ends without it', () => {
  const h = useRemediationHarness({}, { reconcileIntervalMs: 1_000 });
  const handle = (rr: string) => h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
  const leasesHeldBy = async (rr: string) => {
    const coordination = loadKubeConfig(stackInfo().kubeconfigPath).makeApiClient(k8s.CoordinationV1Api);
    const { items } = await coordination.listNamespacedLease({
      namespace: h.namespace,
      labelSelector: 'kubernaut.ai/target-lock=true',
    });
    return items.filter((l) => l.spec?.holderIdentity === rr);
  };

  it('terminated from the Web UI while awaiting approval: the RR fails (WorkflowTerminated), audited and notified', async () => {
    const rr = await h.awaitingApproval();
    await handle(rr).terminate('terminated by an operator from the Temporal Web UI');

    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({
      failurePhase: 'Approval',
      failureReason: 'WorkflowTerminated',
    });
    expect(done.status?.completedAt).toBeTruthy();
    const types = await h.auditTypes(rr);
    expect(types.at(-1)).toBe('orchestrator.lifecycle.failed');
    const nr = await h.objects.get('notificationrequests', h.namespace, `nr-workflow-ended-${rr}`);
    expect(nr?.spec).toMatchObject({ type: 'Escalation', priority: 'High' });
  });

  it('terminated while Executing: the target lock is released and the WorkflowExecution marked Failed', async () => {
    const rr = await h.awaitingApproval();
    await handle(rr).executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.waitForPhase(rr, ['Executing']);
    expect(await leasesHeldBy(rr)).toHaveLength(1);

    await handle(rr).terminate('terminated by an operator');
    const done = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({
      failurePhase: 'WorkflowExecution',
      failureReason: 'WorkflowTerminated',
    });
    expect(await leasesHeldBy(rr)).toEqual([]);
    const we = await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`);
    expect(we?.status).toMatchObject({ phase: 'Failed', failureReason: 'ParentCancelled' });
  });

  it('failed on a non-retryable error (a child owned by another RR): the RR fails (WorkflowFailed)', async () => {
    const other = await h.createRR();
    const otherRR = await eventually('the other RR', () =>
      h.objects.get('remediationrequests', h.namespace, other),
    );
    const name = uniqueName('rr');
    // Its SignalProcessing name is taken by a child of another, existing RR.
    await h.objects.create('signalprocessings', h.namespace, {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'SignalProcessing',
      metadata: {
        name: `sp-${name}`,
        namespace: h.namespace,
        ownerReferences: [
          {
            apiVersion: 'kubernaut.ai/v1alpha1',
            kind: 'RemediationRequest',
            name: other,
            uid: otherRR.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: (await h.waitForChild('SignalProcessing', `sp-${other}`)).spec,
    } as unknown as KubeObject);
    await h.objects.create(
      'remediationrequests',
      h.namespace,
      sampleRemediationRequest(h.namespace, name, uniqueName('web')) as unknown as KubeObject,
    );

    const done = await h.waitForPhase(name, ['Failed'], 30_000);
    expect(done.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowFailed' });
    expect((await handle(name).describe()).status.name).toBe('FAILED');
  });

  it('a reconstructed RR applied back to the cluster is restored as it ended and never runs again', async () => {
    const rr = await h.awaitingApproval();
    await handle(rr).executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice' }] });
    await h.playExecutionAndVerification(rr);
    const original = await h.waitForPhase(rr, ['Completed']);
    await handle(rr).result();
    // The harness creates RRs directly: write the gateway's genesis event, as the gateway would.
    await createAuditWriter(h.pool).write([genesisEvent(original)]);
    const rebuilt = await reconstructRemediationRequest(h.pool, rr);

    // Disaster recovery: the RR is lost, and its reconstruction is applied.
    await h.deleteRR(rr);
    await eventually(
      'the original RR gone',
      async () => !(await h.objects.get('remediationrequests', h.namespace, rr)),
    );
    await eventually(
      'its children collected',
      async () => !(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)),
      60_000,
    );
    const applied = await h.objects.create(
      'remediationrequests',
      h.namespace,
      rebuilt.remediationRequest as unknown as KubeObject,
    );
    expect(applied.metadata.uid).not.toBe(original.metadata.uid);

    const restored = await h.waitForPhase(rr, ['Completed'], 30_000);
    expect(restored.metadata.uid).toBe(applied.metadata.uid);
    expect(restored.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
    // No run for the restored RR: the workflow id still names the original's run only.
    const last = await handle(rr).describe();
    expect((last.memo as { uid?: string }).uid).toBe(original.metadata.uid);
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
    expect(await h.objects.get('signalprocessings', h.namespace, `sp-${rr}`)).toBeNull();
  });

  it('a delete whose cancel was lost (no worker running) still cancels the workflow when a worker returns', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.restartWorker(async () => {
      await h.deleteRR(rr);
      await eventually(
        'the RR gone',
        async () => !(await h.objects.get('remediationrequests', h.namespace, rr)),
      );
    });
    const result = await handle(rr).result();
    expect(result.phase).toBe('Cancelled');
    const { rows } = await h.pool.query(
      'SELECT event_type, error_code FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position DESC LIMIT 1',
      [rr],
    );
    expect(rows[0]).toEqual({ event_type: 'orchestrator.lifecycle.failed', error_code: 'Cancelled' });
  });
});
