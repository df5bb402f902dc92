/**
 * Compatibility of reconstruction with Kubernaut: RRs rebuilt from the audit trails
 * of real remediations validate, spec and status, against Kubernaut's own
 * RemediationRequest CRD schema (structural validation with ajv), and the route's
 * answer validates against its ReconstructionResponse.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { rejectUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';
import { auditApp } from '../integration/audit-api-fixtures.js';
import { auditPool } from '../integration/audit-fixtures.js';
import { genesisEvent, reconstructed } from '../reconstruct/reconstruct-fixtures.js';
import { invalidities, kubernautCrds } from './kubernaut-crds.js';
import { loadContract } from './kubernaut-openapi.js';
import { kubernautRrSchema } from './kubernaut-rr-schema.js';

describe("reconstructed RRs under Kubernaut's CRD schema", async () => {
  const h = useRemediationHarness();
  const pool = auditPool();
  const api = await auditApp(pool);
  const writer = createAuditWriter(pool);
  const schema = kubernautRrSchema();
  const contract = loadContract();
  const crds = kubernautCrds();

  async function throughAnalysis(rr: string, approvalRequired: boolean) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(approvalRequired));
  }

  async function expectValidUnderKubernaut(rr: string, finalEvent: string) {
    await eventually(`${finalEvent} for ${rr}`, async () => (await h.auditTypes(rr)).includes(finalEvent));
    const live = (await h.objects.get('remediationrequests', h.namespace, rr))!;
    await writer.write([genesisEvent(live)]);
    const { body, rr: rebuilt } = await reconstructed(api, rr);
    expect(body.validation.completeness).toBe(100);
    expect(schema.spec(rebuilt.spec), JSON.stringify(schema.spec.errors)).toBe(true);
    expect(schema.status(rebuilt.status), JSON.stringify(schema.status.errors)).toBe(true);
    // Strictly: nothing in it that Kubernaut's CRD would prune on apply.
    expect(invalidities(crds, rebuilt as unknown as KubeObject)).toEqual([]);
    const response = contract.validator('ReconstructionResponse');
    expect(response(body), JSON.stringify(response.errors)).toBe(true);
  }

  it('the validators really check: a spec without its required fields and a bad phase fail', () => {
    expect(schema.spec({ signalName: 'x' })).toBe(false);
    expect(schema.status({ overallPhase: 'Sleeping' })).toBe(false);
  });

  it('a remediation that completed through every phase', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, false);
    await h.playExecutionAndVerification(rr);
    await expectValidUnderKubernaut(rr, 'orchestrator.lifecycle.completed');
  });

  it('a remediation whose approval was rejected (failure details, approval)', async () => {
    const rr = await h.createRR();
    await throughAnalysis(rr, true);
    await h.waitForPhase(rr, ['AwaitingApproval']);
    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .executeUpdate(rejectUpdate, { args: [{ decidedBy: 'erin', reason: 'not now' }] });
    await expectValidUnderKubernaut(rr, 'orchestrator.lifecycle.failed');
  });

  it('a remediation whose approval expired (decided by system, failure details)', async () => {
    const rr = await h.createRR({ annotations: { 'kubernaut.ai/timeout-awaitingApproval': '2s' } });
    await throughAnalysis(rr, true);
    await expectValidUnderKubernaut(rr, 'orchestrator.lifecycle.failed');
  });
});
