/**
 * A worker whose workflow cache holds fewer remediations than are waiting: the
 * parked ones are evicted and, when their approval arrives, replayed from history
 * (local-activity markers included) and carried on — each to Completed, each step
 * audited once.
 */
import { describe, expect, it } from 'vitest';
import { approveSignal, workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';

const ONE_RUN = [
  'orchestrator.lifecycle.started',
  'orchestrator.lifecycle.created',
  'orchestrator.lifecycle.transitioned',
  'signalprocessing.enrichment.completed',
  'orchestrator.lifecycle.transitioned',
  'aianalysis.analysis.completed',
  'orchestrator.lifecycle.transitioned',
  'orchestrator.approval.requested',
  'orchestrator.approval.approved',
  'workflowexecution.selection.completed',
  'orchestrator.lifecycle.transitioned',
  'workflowexecution.execution.started',
  'workflowexecution.workflow.completed',
  'orchestrator.lifecycle.transitioned',
  'orchestrator.lifecycle.transitioned',
  'orchestrator.lifecycle.completed',
];

describe('workflow cache smaller than the remediations waiting', () => {
  const h = useRemediationHarness({}, { maxCachedWorkflows: 1 });

  it('three RRs parked on approval with a cache of one → evicted; approved, each replays and completes once', async () => {
    const rrs: string[] = [];
    for (let i = 0; i < 3; i++) rrs.push(await h.awaitingApproval());
    // Some of them were evicted (the SDK may hold one more than the bound briefly).
    expect(h.runtime.worker.getStatus().numCachedWorkflows).toBeLessThan(rrs.length);

    for (const rr of rrs) {
      await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).signal(approveSignal, {
        decidedBy: 'alice',
      });
    }
    await Promise.all(
      rrs.map(async (rr) => {
        await h.playExecutionAndVerification(rr);
        await h.waitForPhase(rr, ['Completed']);
        const types = await eventually(`the completion audit event of ${rr}`, async () => {
          const t = await h.auditTypes(rr);
          return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
        });
        expect(types).toEqual(ONE_RUN);
      }),
    );
  });
});
