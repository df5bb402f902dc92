/**
 * docs/runbooks/workflow-terminated.md, tried: a run terminated by hand (as from the
 * Temporal Web UI) is closed out by the reconciler — the alert's counter moves — and
 * the runbook's first diagnostic, the Temporal CLI's list of terminated remediation
 * runs, names the RR's workflow.
 */
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { curl, grep, sampleValue, temporal, useWorkerProbePort } from '../harness/operator.js';
import { useRemediationHarness } from '../harness/remediation.js';

describe('runbook: a remediation workflow was terminated by hand', () => {
  const h = useRemediationHarness({}, { reconcileIntervalMs: 1_000 });
  const probe = useWorkerProbePort(() => h.runtime.readiness());
  const closeOuts = async () =>
    sampleValue(
      grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_reconciler_close_outs_total'),
      'kubernaut_reconciler_close_outs_total{reason="WorkflowTerminated"}',
    );

  it('terminated while awaiting approval → closed out; the first diagnostic lists its run as Terminated', async () => {
    const before = await closeOuts();
    const rr = await h.awaitingApproval();
    const workflowId = workflowIdFor(h.namespace, rr);
    await h.runtime.client.workflow.getHandle(workflowId).terminate('terminated by an operator');
    await h.waitForPhase(rr, ['Failed'], 30_000);
    // What KubernautWorkflowTerminatedByHand fires on.
    await eventually('the close-out counted', async () => (await closeOuts()) === before + 1);

    const listed = await eventually('temporal workflow list to show the run', async () => {
      const r = await temporal([
        'workflow',
        'list',
        '--query',
        "WorkflowType='remediationWorkflow' AND ExecutionStatus='Terminated'",
      ]);
      return r.stdout.includes(workflowId) ? r : undefined;
    });
    expect(listed.code).toBe(0);
    const row = listed.stdout.split('\n').find((l) => l.includes(workflowId));
    expect(row).toMatch(/^\s*Terminated\s+rr\/\S+\s+remediationWorkflow\b/);

    // The runbook's next step: who terminated it and why, from the run's history.
    const shown = await temporal(['workflow', 'show', '-w', workflowId, '--output', 'json']);
    expect(shown.code, shown.stderr).toBe(0);
    const { events } = JSON.parse(shown.stdout) as { events: Record<string, unknown>[] };
    expect(events.at(-1)?.workflowExecutionTerminatedEventAttributes).toMatchObject({
      reason: 'terminated by an operator',
    });
  });
});
