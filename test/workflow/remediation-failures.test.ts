import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { TASK_QUEUE, workflowIdFor } from '../../lib/remediation-messages.js';
import { recordHistories } from '../harness/histories.js';
import { eventually } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

describe('remediation workflow: failures, timeouts, cancellation', () => {
  const h = useRemediationHarness();
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'failures', h.created);
  });
  const completion = (rr: { status?: Record<string, unknown> }) =>
    rr.status?.completionStatus as Record<string, unknown>;

  it('signal processing fails → RR Failed with failurePhase SignalProcessing and an escalation notification', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, {
      phase: 'Failed',
      failureInfo: { error: 'target Deployment not found' },
    });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(completion(failed)).toMatchObject({
      failurePhase: 'SignalProcessing',
      failureReason: 'target Deployment not found',
    });
    await eventually('escalation notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-escalation-${rr}`),
    );
    const types = await eventually('failure audit', async () => {
      const t = await h.auditTypes(rr);
      return t.includes('orchestrator.lifecycle.failed') ? t : undefined;
    });
    const { rows } = await h.pool.query(
      "SELECT event_data, error_message FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.lifecycle.failed'",
      [rr],
    );
    expect(types.filter((t) => t === 'orchestrator.lifecycle.failed')).toHaveLength(1);
    expect(rows[0].event_data).toMatchObject({
      failure_phase: 'SignalProcessing',
      failure_reason: 'target Deployment not found',
    });
    expect(rows[0].error_message).toBe('target Deployment not found');
  });

  it('execution fails → RR Failed with failurePhase WorkflowExecution', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, {
      phase: 'Failed',
      failureReason: 'rollout did not progress',
    });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(completion(failed)).toMatchObject({
      failurePhase: 'WorkflowExecution',
      failureReason: 'rollout did not progress',
    });
  });

  it('analysis needs human review → RR Failed in Analyzing with a ManualReview notification', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, {
      phase: 'Failed',
      message: 'confidence 0.55 is below 0.7',
      review: { needsHumanReview: true, humanReviewReason: 'low_confidence' },
    });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(completion(failed).failurePhase).toBe('AIAnalysis');
    await eventually('manual review notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-manual-review-${rr}`),
    );
  });

  it('a phase timeout expires → TimedOut with timeoutPhase and a High phase-timeout notification', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-processing': '2s' } });
    const timedOut = await h.waitForPhase(rr, ['TimedOut']);
    expect(completion(timedOut)).toMatchObject({ timeoutPhase: 'Processing', failureReason: 'PhaseTimeout' });
    const nr = await eventually('phase-timeout notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-phase-timeout-${rr}`),
    );
    expect(nr.spec?.priority).toBe('High');
  });

  it('the global timeout expires → TimedOut with a Critical notification', async () => {
    const rr = await h.createRR({
      annotations: {
        'kubernaut.ai/timeout-global': '3s',
        'kubernaut.ai/timeout-processing': '2s',
        'kubernaut.ai/timeout-analyzing': '3s',
        'kubernaut.ai/timeout-awaitingApproval': '3s',
        'kubernaut.ai/timeout-executing': '3s',
        'kubernaut.ai/timeout-verifying': '3s',
      },
    });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    const timedOut = await h.waitForPhase(rr, ['TimedOut']);
    expect(completion(timedOut)).toMatchObject({ timeoutPhase: 'Analyzing', failureReason: 'GlobalTimeout' });
    const nr = await eventually('global-timeout notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-global-timeout-${rr}`),
    );
    expect(nr.spec?.priority).toBe('Critical');
  });

  it('a phase timeout longer than the global one → Failed with failurePhase Configuration, no child created', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-executing': '2h' } });
    const failed = await h.waitForPhase(rr, ['Failed']);
    expect(completion(failed).failurePhase).toBe('Configuration');
    expect(String(completion(failed).failureReason)).toMatch(
      /executing \(2h\) exceeds the global timeout \(1h\)/,
    );
    expect(await h.objects.get('signalprocessings', h.namespace, `sp-${rr}`)).toBeNull();
  });

  it('dry run (annotation) → stops after analysis, Completed with outcome DryRun, nothing executed', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/dry-run': 'true' } });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
    const done = await h.waitForPhase(rr, ['Completed']);
    expect(completion(done).outcome).toBe('DryRun');
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${rr}`)).toBeNull();
  });

  it('starting the same RR again returns the running workflow instead of a second one', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    const id = workflowIdFor(h.namespace, rr);
    const first = await h.runtime.client.workflow.getHandle(id).describe();
    const again = await h.runtime.client.workflow.start('remediationWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: id,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      args: [{ namespace: h.namespace, name: rr, uid: 'ignored', spec: {} as never }],
    });
    expect(again.firstExecutionRunId).toBe(first.runId);
  });

  it('deleting the RR mid-flight cancels the workflow → Cancelled, recorded in the audit trail', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    await h.deleteRR(rr);
    const view = await handle.result();
    expect(view.phase).toBe('Cancelled');
    const { rows } = await h.pool.query(
      "SELECT error_code FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.lifecycle.failed'",
      [rr],
    );
    expect(rows.map((r) => r.error_code)).toEqual(['Cancelled']);
  });
});
