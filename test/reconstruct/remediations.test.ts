/**
 * Reconstruction of real remediations: each terminal path is driven end to end
 * (the test plays the child controllers), the genesis event a gateway would have
 * written is added, and the RR rebuilt from the audit trail must equal the live one
 * — spec and status, field by field — be 100% complete, and apply to the
 * kube-apiserver as-is.
 */
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { signalDeduplicatedEvent, signalReceivedEvent } from '../../lib/gateway/audit-events.js';
import { DeduplicationRecorder } from '../../lib/gateway/deduplication.js';
import { RemediationRequestStore } from '../../lib/gateway/rr-store.js';
import { APPROVAL_ANNOTATION } from '../../lib/reconstruct/declared-status.js';
import { approveUpdate, rejectUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually, kube, testNamespace, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { auditApp } from '../integration/audit-api-fixtures.js';
import { auditPool } from '../integration/audit-fixtures.js';
import { applyCopy, genesisEvent, reconstructed } from './reconstruct-fixtures.js';

/** The approval decision the trail holds, kept in an annotation of the rebuilt RR (the RR status has no field for it). */
const approvalOf = (rr: { metadata?: { annotations?: Record<string, string> } }) =>
  JSON.parse(rr.metadata?.annotations?.[APPROVAL_ANNOTATION] ?? 'null');

describe('reconstruction of real remediations', async () => {
  const h = useRemediationHarness();
  const copies = await testNamespace('recon-copy');
  const pool = auditPool();
  const api = await auditApp(pool);
  const writer = createAuditWriter(pool);

  const live = async (rr: string) => (await h.objects.get('remediationrequests', h.namespace, rr))!;
  const handle = (rr: string) => h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));

  async function throughAnalysis(rr: string, approvalRequired: boolean) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(approvalRequired));
  }
  async function throughExecution(rr: string) {
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, { phase: 'Completed' });
  }
  async function throughVerification(rr: string) {
    await h.waitForChild('EffectivenessAssessment', `ea-${rr}`);
    await h.setStatus('EffectivenessAssessment', `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'Full',
    });
  }
  const audited = (rr: string, type: string) =>
    eventually(`${type} for ${rr} in the audit trail`, async () => (await h.auditTypes(rr)).includes(type));

  /**
   * Writes the genesis event (unless written already), reconstructs, and checks the
   * result against the live RR; then applies it under a new name.
   */
  async function expectFaithfulReconstruction(rr: string, genesisWritten = false) {
    const original = await live(rr);
    if (!genesisWritten) await writer.write([genesisEvent(original)]);
    const { body, rr: rebuilt } = await reconstructed(api, rr);

    expect(body.validation).toEqual({ is_valid: true, completeness: 100, errors: [], warnings: [] });
    expect(body.correlation_id).toBe(rr);
    expect(rebuilt.apiVersion).toBe('kubernaut.ai/v1alpha1');
    expect(rebuilt.kind).toBe('RemediationRequest');
    expect(rebuilt.metadata).toMatchObject({
      name: rr,
      namespace: h.namespace,
      labels: { 'kubernaut.ai/reconstructed': 'true', 'kubernaut.ai/correlation-id': rr },
      annotations: {
        'kubernaut.ai/reconstructed-at': body.reconstructed_at,
        'kubernaut.ai/reconstruction-source': 'audit-trail',
      },
    });
    expect(rebuilt.spec).toEqual(original.spec);
    // Every status field the workflow (and gateway) wrote: phase, message, times,
    // phase progress and child refs, timeouts, routing, approval, selection,
    // completion, deduplication and the Ready condition.
    // The rebuilt status also carries what the trail says and Kubernaut's RR status has
    // no field for (the approval decision, two start times, the RAR ref, two timeouts);
    // the live RR no longer does (docs/kubernaut-compatibility.md). The rest is equal.
    // Only what the CRD declares, as the live RR holds it (lib/reconstruct/declared-status.ts).
    expect(rebuilt.status).toEqual(original.status);

    const copy = await applyCopy(h.objects, copies, rebuilt, `${rr}-copy`);
    expect(copy.spec).toEqual(original.spec);
    expect(copy.status).toEqual(original.status);
    return { original, rebuilt, body };
  }

  it('Completed (Remediated), with duplicates counted by the gateway → the whole RR, deduplication included', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    // What the gateway does for a signal it creates an RR for, and for one duplicate of it.
    const created = await live(rr);
    const recorder = new DeduplicationRecorder(new RemediationRequestStore(h.objects.kc, kube().core, false));
    await recorder.record(h.namespace, rr, created.metadata.uid!, String(created.spec!.receivedTime));
    await writer.write([signalReceivedEvent(created, 'alertmanager')]);
    const seenAt = new Date().toISOString();
    const dup = await recorder.record(h.namespace, rr, created.metadata.uid!, seenAt);
    await writer.write([signalDeduplicatedEvent(created, dup.occurrence, dup.dedup, seenAt, 'alertmanager')]);

    await throughAnalysis(rr, false);
    await throughExecution(rr);
    await throughVerification(rr);
    await audited(rr, 'orchestrator.lifecycle.completed');
    const { rebuilt } = await expectFaithfulReconstruction(rr, true);
    expect(rebuilt.status?.deduplication).toMatchObject({ occurrenceCount: 2, lastSeenAt: seenAt });
    expect(rebuilt.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
  });

  it('approved, then Completed → the approval decision is rebuilt', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    await handle(rr).executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice', reason: 'looks right' }] });
    await throughExecution(rr);
    await throughVerification(rr);
    await audited(rr, 'orchestrator.lifecycle.completed');
    const { rebuilt } = await expectFaithfulReconstruction(rr);
    expect(approvalOf(rebuilt)).toMatchObject({ decision: 'Approved', decidedBy: 'alice' });
  });

  it('Failed in Processing → failure phase and reason are rebuilt', async () => {
    const rr = await h.createRR();
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, {
      phase: 'Failed',
      failureInfo: { error: 'target Deployment not found' },
    });
    await audited(rr, 'orchestrator.lifecycle.failed');
    const { rebuilt } = await expectFaithfulReconstruction(rr);
    expect(rebuilt.status?.completionStatus).toMatchObject({
      failurePhase: 'SignalProcessing',
      failureReason: 'target Deployment not found',
    });
  });

  it('Failed in Executing → failure phase, reason and the workflow selection are rebuilt', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, false);
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, { phase: 'Failed', failureReason: 'rollout stuck' });
    await audited(rr, 'orchestrator.lifecycle.failed');
    const { rebuilt } = await expectFaithfulReconstruction(rr);
    expect(rebuilt.status?.completionStatus).toMatchObject({
      failurePhase: 'WorkflowExecution',
      failureReason: 'rollout stuck',
    });
  });

  it('TimedOut (phase timeout) → timeout phase and time are rebuilt', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-processing': '2s' } });
    await audited(rr, 'orchestrator.lifecycle.failed');
    const { rebuilt } = await expectFaithfulReconstruction(rr);
    expect(rebuilt.status?.overallPhase).toBe('TimedOut');
    expect(rebuilt.status?.completionStatus).toMatchObject({ timeoutPhase: 'Processing' });
  });

  it('approval rejected → Failed in Approval, with who rejected it and why', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    await handle(rr).executeUpdate(rejectUpdate, { args: [{ decidedBy: 'erin', reason: 'not now' }] });
    await audited(rr, 'orchestrator.lifecycle.failed');
    const { rebuilt } = await expectFaithfulReconstruction(rr);
    expect(approvalOf(rebuilt)).toMatchObject({ decision: 'Rejected', decisionMessage: 'not now' });
  });

  it('approval expired → Expired by system, Failed in Approval', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-awaitingApproval': '2s' } });
    await throughAnalysis(rr, true);
    await audited(rr, 'orchestrator.lifecycle.failed');
    const { rebuilt } = await expectFaithfulReconstruction(rr);
    expect(approvalOf(rebuilt)).toMatchObject({ decision: 'Expired', decidedBy: 'system' });
  });

  it('Blocked by routing (duplicate in progress) → rebuilt while blocked, and again once it inherits the outcome', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await throughAnalysis(first, false);
    await h.waitForPhase(first, ['Executing']);
    const second = await h.createRR({ target });
    await throughAnalysis(second, false);
    await audited(second, 'orchestrator.routing.blocked');
    const blocked = await expectFaithfulReconstruction(second);
    expect(blocked.rebuilt.status?.routingStatus).toMatchObject({
      blockReason: 'DuplicateInProgress',
      duplicateOf: first,
    });

    await throughExecution(first);
    await throughVerification(first);
    await audited(second, 'orchestrator.lifecycle.completed');
    const copyName = `${second}-copy`;
    await kube().custom.deleteNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace: copies,
      plural: 'remediationrequests',
      name: copyName,
    });
    const done = await expectFaithfulReconstruction(second, true);
    expect(done.rebuilt.status?.overallPhase).toBe('Completed');
    expect(done.rebuilt.status?.routingStatus).toMatchObject({ blockReason: 'DuplicateInProgress' });
  });
});
