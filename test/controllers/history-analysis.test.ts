/**
 * Remediation history changes the analysis, end to end: the workflow runs the
 * remediation (built-in enrichment and analysis, the catalog applied as
 * RemediationWorkflow objects), the execution fails twice on a Deployment, and the
 * third analysis of that Deployment does not propose the same thing at the same
 * confidence — it picks another workflow when one fits, else lowers the
 * confidence to the threshold and asks a person to approve, saying why.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { API_VERSION } from '../../lib/domain.js';
import type { StatusView } from '../harness/controllers.js';
import { eventually, uniqueName } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { createDeployment } from '../harness/workloads.js';

describe('remediation history in the analysis', () => {
  const h = useRemediationHarness({}, { controllers: { enabled: ['signalprocessing', 'aianalysis'] } });

  async function applyWorkflow(name: string, signal: string, confidence: string) {
    await h.objects.create('remediationworkflows', h.namespace, {
      apiVersion: API_VERSION,
      kind: 'RemediationWorkflow',
      metadata: {
        name,
        namespace: h.namespace,
        annotations: {
          'catalog.kubernaut.ai/signal-names': signal,
          'catalog.kubernaut.ai/confidence': confidence,
        },
      },
      spec: {
        version: '1.0.0',
        actionType: 'RestartWorkload',
        description: { what: `restart (${name})`, whenToUse: signal },
        labels: { component: ['Deployment'], environment: ['*'], severity: ['*'], priority: '*' },
        execution: { engine: 'job', bundle: 'builtin:restart' },
        parameters: [{ name: 'TARGET_RESOURCE', type: 'string', required: false, description: 'target' }],
      },
    } as unknown as KubeObject);
    await eventually(`${name} registered`, async () => {
      const o = await h.objects.get('remediationworkflows', h.namespace, name);
      return (o?.status?.conditions as StatusView[] | undefined)?.some(
        (c) => c.type === 'Registered' && c.status === 'True',
      );
    });
  }

  /** One remediation of `target` for `signal` up to its analysis; returns the AIAnalysis status. */
  async function analysed(target: string, signal: string) {
    const rr = await h.createRR({ target, signalName: signal, fingerprint: randomBytes(32).toString('hex') });
    const aa = await eventually(`ai-${rr} analysed`, async () => {
      const o = await h.objects.get('aianalyses', h.namespace, `ai-${rr}`);
      return ['Completed', 'Failed'].includes(o?.status?.phase as string)
        ? (o!.status as StatusView)
        : undefined;
    });
    return { rr, aa };
  }

  /**
   * A remediation whose execution fails, played as the WorkflowExecution controller
   * reports a failure of its own (this cluster has no kubelet to fail a rollout).
   */
  async function failedRun(target: string, signal: string) {
    const { rr, aa } = await analysed(target, signal);
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, {
      phase: 'Failed',
      failureReason: 'rollout did not progress',
      executionStatus: { status: 'Failed', reason: 'TaskFailed', message: 'rollout did not progress' },
    });
    await h.waitForPhase(rr, ['Failed']);
    return aa;
  }

  it('the only fitting workflow failed twice on the Deployment: proposed at lowered confidence, approval required', async () => {
    const signal = uniqueName('FlakyRestart');
    const workflow = uniqueName('only-restart');
    await applyWorkflow(workflow, signal, '0.9');
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);

    for (let i = 0; i < 2; i++) {
      const aa = await failedRun(web, signal);
      expect(aa.rcaResult?.selectedWorkflow).toMatchObject({ workflowId: workflow, confidence: 0.9 });
      expect(aa.approval.approvalRequired).toBe(false);
    }
    const { aa } = await analysed(web, signal);
    expect(aa.phase).toBe('Completed');
    expect(aa.rcaResult?.selectedWorkflow).toMatchObject({ workflowId: workflow, confidence: 0.7 });
    expect(aa.approval.approvalRequired).toBe(true);
    // The history's reason comes first; the approval policy adds its own (0.7 is below its 0.8).
    expect(aa.approval.approvalReason).toMatch(
      new RegExp(`^${workflow} failed 2 times on ${h.namespace}/Deployment/${web} in the last 24h`),
    );
    expect(aa.approval.approvalContext.policyEvaluation.matchedRules).toContain('repeated-failure');
  });

  it('another workflow fits: the one that failed twice is passed over', async () => {
    const signal = uniqueName('FlakyTwoWays');
    const first = uniqueName('first-choice');
    const second = uniqueName('second-choice');
    await applyWorkflow(first, signal, '0.9');
    await applyWorkflow(second, signal, '0.85');
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);

    for (let i = 0; i < 2; i++)
      expect((await failedRun(web, signal)).rcaResult?.selectedWorkflow.workflowId).toBe(first);
    const { aa } = await analysed(web, signal);
    expect(aa.rcaResult?.selectedWorkflow).toMatchObject({ workflowId: second, confidence: 0.85 });
    expect(aa.approval.approvalRequired).toBe(false);
    // Another Deployment has no such history: the first choice stands there.
    const api = uniqueName('api');
    await createDeployment(h.namespace, api);
    expect((await analysed(api, signal)).aa.rcaResult?.selectedWorkflow.workflowId).toBe(first);
  });
});
