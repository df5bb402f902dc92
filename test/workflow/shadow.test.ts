/**
 * Invariant I12 (docs/invariants.md): shadow never acts. A RemediationPolicy puts the
 * test namespace in Shadow: the RR runs enrichment and analysis, ends Completed with
 * outcome Shadow (CRD outcome DryRun), and creates no WorkflowExecution, takes no lock
 * Lease and writes no budget grant — while the audit trail holds the exact spec an
 * automatic run creates. Switching the policy to Automatic makes the next RR on the
 * same target act, with no restart; a per-workflow entry overrides the default; a
 * switch while an RR is still analysing applies to that RR (the read at decision time
 * wins), also when the worker was down as the analysis completed.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_LEDGER, GRANTS_ANNOTATION, type Grant } from '../../activities/budget.js';
import { targetLockName } from '../../activities/target-lock.js';
import { CHILD_KINDS, childName } from '../../lib/kinds.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { SA } from '../../workflows/search-attributes.js';
import { recordHistories } from '../harness/histories.js';
import { kube } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

const POLICY = 'shop-mode';

describe('shadow mode (I12): decide everything, record it, do nothing', () => {
  const h = useRemediationHarness({ safetyRecheckMs: 5_000 });
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'shadow', h.created.slice(0, 3));
  });
  const kc = () => kube().kc;
  const policyApi = {
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    namespace: '',
    plural: 'remediationpolicies',
  };
  /** Replaces the policy's spec (as `kubectl apply` of a new version would). */
  async function setPolicy(spec: Record<string, unknown>) {
    const ns = h.namespace;
    const existing = await kube()
      .custom.getNamespacedCustomObject({ ...policyApi, namespace: ns, name: POLICY })
      .catch(() => undefined);
    const body = {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'RemediationPolicy',
      metadata: { name: POLICY, ...(existing ? { resourceVersion: existing.metadata.resourceVersion } : {}) },
      spec: { targetNamespaces: [ns], budget: { executionsPerHour: 1, whenExhausted: 'Wait' }, ...spec },
    };
    if (existing)
      await kube().custom.replaceNamespacedCustomObject({ ...policyApi, namespace: ns, name: POLICY, body });
    else await kube().custom.createNamespacedCustomObject({ ...policyApi, namespace: ns, body });
  }
  beforeAll(async () => {
    await setPolicy({ mode: { default: 'Shadow' } });
  });

  const analysisOf = (workflowId: string) => {
    const a = completedAnalysis(false);
    a.rcaResult.selectedWorkflow = { ...a.rcaResult.selectedWorkflow, workflowId };
    return a;
  };
  async function analysed(rr: string, workflowId = 'restart-deployment') {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, analysisOf(workflowId));
  }
  const grants = async (): Promise<Grant[]> => {
    const lease = await kc()
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: BUDGET_LEDGER, namespace: h.namespace })
      .catch(() => undefined);
    return JSON.parse(lease?.metadata?.annotations?.[GRANTS_ANNOTATION] ?? '[]') as Grant[];
  };
  const lockLease = (target: string) =>
    kc()
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({
        name: targetLockName({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: target,
          namespace: h.namespace,
        }),
        namespace: h.namespace,
      })
      .catch(() => undefined);
  const shadowEvent = async (rr: string) => {
    const { rows } = await h.pool.query(
      `SELECT event_data FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.shadow.decided'`,
      [rr],
    );
    return rows.map((r) => r.event_data as Record<string, unknown>);
  };
  /** Asserts the RR ended as a shadow that acted on nothing; answers its decision. */
  async function expectShadow(rr: string, target: string) {
    const done = await h.waitForPhase(rr, ['Completed', 'Failed', 'TimedOut']);
    expect(done.status?.overallPhase).toBe('Completed');
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'DryRun' });
    expect(done.status?.message).toMatch(/^Shadow: would run /);
    const handle = h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr));
    expect((await handle.result()).outcome).toBe('Shadow');
    expect((await handle.describe()).typedSearchAttributes.get(SA.outcome)).toBe('Shadow');
    for (const kind of [
      'WorkflowExecution',
      'RemediationApprovalRequest',
      'EffectivenessAssessment',
    ] as const)
      expect(await h.objects.get(CHILD_KINDS[kind].plural, h.namespace, childName(kind, rr))).toBeNull();
    expect(await lockLease(target)).toBeUndefined();
    expect((await grants()).map((g) => g.name)).not.toContain(rr);
    const events = await shadowEvent(rr);
    expect(events).toHaveLength(1);
    const types = await h.auditTypes(rr);
    expect(types).not.toContain('workflowexecution.selection.completed');
    return { rr: done, decision: events[0]! };
  }

  let shadowSpec: Record<string, unknown>;
  let shadowRef: { name: string; uid: string };
  const target = 'checkout';

  it('a scope in Shadow: Completed/Shadow, nothing created, locked or spent; the audit has the WE spec', async () => {
    const rr = await h.createRR({ target });
    await analysed(rr);
    const { rr: done, decision } = await expectShadow(rr, target);
    expect(decision).toMatchObject({
      policy: POLICY,
      workflow_id: 'restart-deployment',
      target: `${h.namespace}/Deployment/${target}`,
      signal_target: `${h.namespace}/Deployment/${target}`,
      target_namespace: h.namespace,
      would_require_approval: false,
      routing: { verdict: 'proceed' },
      budget: { verdict: 'available' },
      workflow_execution: `we-${rr}`,
    });
    shadowSpec = decision.workflow_execution_spec as Record<string, unknown>;
    shadowRef = { name: rr, uid: done.metadata.uid! };
    expect(shadowSpec.remediationRequestRef).toMatchObject(shadowRef);
    expect(await grants()).toHaveLength(0);
  });

  it('switching the policy to Automatic: the next RR on the same target acts, no restart, with the spec the shadow recorded', async () => {
    await setPolicy({ mode: { default: 'Automatic' } });
    const rr = await h.createRR({ target });
    await analysed(rr);
    const we = await h.waitForChild('WorkflowExecution', `we-${rr}`);
    const strip = (s: Record<string, unknown>) => {
      const { remediationRequestRef: _r, timesOutAt: _t, ...rest } = s;
      return rest;
    };
    expect(strip(we.spec as Record<string, unknown>)).toEqual(strip(shadowSpec));
    expect(Object.keys(we.spec!).sort()).toEqual(Object.keys(shadowSpec).sort());
    expect((await grants()).map((g) => g.name)).toEqual([rr]);
    await h.playExecutionAndVerification(rr);
    const done = await h.waitForPhase(rr, ['Completed']);
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
  });

  it('a per-workflow entry overrides the default; the shadow records the spent budget and still ends at once', async () => {
    await setPolicy({
      mode: {
        default: 'Automatic',
        workflows: { 'restart-deployment': 'Shadow', 'scale-up': 'ApprovalRequired' },
      },
    });
    const rr = await h.createRR({ target: 'cart' });
    await analysed(rr);
    const { decision } = await expectShadow(rr, 'cart');
    // The one execution of the hour was spent above: an automatic run would wait.
    expect(decision).toMatchObject({
      budget: { verdict: 'exhausted', policy: POLICY },
      routing: { verdict: 'proceed' },
    });

    // Another workflow under the same policy: ApprovalRequired though the analysis did not ask.
    const other = await h.createRR({ target: 'basket' });
    await analysed(other, 'scale-up');
    await h.waitForPhase(other, ['AwaitingApproval']);
    expect(
      await h.objects.get(
        'remediationapprovalrequests',
        h.namespace,
        childName('RemediationApprovalRequest', other),
      ),
    ).not.toBeNull();
  });

  it('a switch while an RR is still analysing applies to that RR: the mode is read at decision time', async () => {
    await setPolicy({
      mode: { default: 'Automatic' },
      budget: { executionsPerHour: 10, whenExhausted: 'Wait' },
    });
    const rr = await h.createRR({ target: 'payments' });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await setPolicy({
      mode: { default: 'Shadow' },
      budget: { executionsPerHour: 10, whenExhausted: 'Wait' },
    });
    await h.setStatus('AIAnalysis', `ai-${rr}`, analysisOf('restart-deployment'));
    await expectShadow(rr, 'payments');
  });

  it('a worker down when the analysis completes, the policy switched meanwhile: the read after the restart decides', async () => {
    await setPolicy({
      mode: { default: 'Shadow' },
      budget: { executionsPerHour: 10, whenExhausted: 'Wait' },
    });
    const rr = await h.createRR({ target: 'ledger' });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.restartWorker(async () => {
      await h.setStatus('AIAnalysis', `ai-${rr}`, analysisOf('restart-deployment'));
      await setPolicy({
        mode: { default: 'Automatic' },
        budget: { executionsPerHour: 10, whenExhausted: 'Wait' },
      });
    });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    expect(await shadowEvent(rr)).toEqual([]);
    expect((await grants()).map((g) => g.name)).toContain(rr);
  });
});
