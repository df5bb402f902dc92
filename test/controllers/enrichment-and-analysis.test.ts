/**
 * The built-in SignalProcessing and AIAnalysis controllers, driven by the real
 * remediation workflow: an RR becomes an enriched, analysed remediation with no
 * test writing any child status. Execution is off here, so RRs stop at approval.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatusView } from '../harness/controllers.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { createDeployment, labelNamespace } from '../harness/workloads.js';

describe('enrichment and analysis by the built-in controllers', () => {
  const h = useRemediationHarness({}, { controllers: { enabled: ['signalprocessing', 'aianalysis'] } });
  beforeAll(async () => {
    await labelNamespace(h.namespace, { 'kubernaut.ai/environment': 'production' });
  });
  const childStatus = (plural: string, name: string, phases: string[]) =>
    eventually(`${name} to reach ${phases.join('/')}`, async () => {
      const o = await h.objects.get(plural, h.namespace, name);
      return o && phases.includes(o.status?.phase as string) ? (o.status as StatusView) : undefined;
    });

  it('a crash-looping Deployment in a production namespace → P0 Production, restart selected, approval required, target hash recorded', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web, { labels: { tier: 'frontend' } });
    const rr = await h.createRR({ target: web });

    const sp = await childStatus('signalprocessings', `sp-${rr}`, ['Completed', 'Failed']);
    expect(sp.phase).toBe('Completed');
    expect(sp.kubernetesContext.namespace).toMatchObject({
      name: h.namespace,
      labels: { 'kubernaut.ai/environment': 'production' },
    });
    expect(sp.kubernetesContext.workload).toMatchObject({
      kind: 'Deployment',
      name: web,
      labels: { tier: 'frontend' },
    });
    expect(sp.kubernetesContext.ownerChain).toEqual([]);
    expect(sp.environmentClassification).toMatchObject({
      environment: 'Production',
      source: 'namespace-label',
    });
    expect(sp.priorityAssignment.priority).toBe('P0');
    expect(sp.signalClassification).toMatchObject({
      severity: 'critical',
      signalMode: 'reactive',
      signalName: 'KubePodCrashLooping',
    });

    const aa = await childStatus('aianalyses', `ai-${rr}`, ['Completed', 'Failed']);
    expect(aa.phase).toBe('Completed');
    expect(aa.rcaResult.selectedWorkflow).toMatchObject({
      workflowId: 'restart-crashlooping-workload',
      actionType: 'restart',
      executionBundle: 'builtin:restart',
      confidence: 0.9,
    });
    expect(aa.rcaResult.rootCause).toContain(web);
    expect(aa.rcaResult.rootCauseAnalysis.remediationTarget).toEqual({
      kind: 'Deployment',
      name: web,
      namespace: h.namespace,
    });
    expect(aa.approval.approvalRequired).toBe(true);
    expect(aa.approval.approvalReason).toContain('Production');
    expect(aa.approval.approvalContext.policyEvaluation.matchedRules).toEqual(['environment:Production']);
    // Kubernaut's AIAnalysis has no field for the target's hash: the workflow records it.
    expect(aa.targetSpecHash).toBeUndefined();
    await h.waitForPhase(rr, ['AwaitingApproval']);
  });

  it('a Pod is traced through its ReplicaSet to the Deployment, which becomes the remediation target', async () => {
    const api = uniqueName('api');
    await createDeployment(h.namespace, api);
    const pod = await eventually('the Deployment to have a Pod', async () => {
      const pods = await kube().core.listNamespacedPod({
        namespace: h.namespace,
        labelSelector: `app=${api}`,
      });
      return pods.items[0];
    });
    const rs = pod.metadata!.ownerReferences![0]!.name;
    const rr = await h.createRR({ target: pod.metadata!.name!, targetKind: 'Pod' });

    const sp = await childStatus('signalprocessings', `sp-${rr}`, ['Completed', 'Failed']);
    expect(sp.kubernetesContext.ownerChain).toEqual([
      { api_version: 'apps/v1', kind: 'ReplicaSet', name: rs, namespace: h.namespace },
      { api_version: 'apps/v1', kind: 'Deployment', name: api, namespace: h.namespace },
    ]);
    expect(sp.kubernetesContext.workload).toMatchObject({ kind: 'Deployment', name: api });
    const aa = await childStatus('aianalyses', `ai-${rr}`, ['Completed', 'Failed']);
    expect(aa.rcaResult.rootCauseAnalysis.remediationTarget).toEqual({
      kind: 'Deployment',
      name: api,
      namespace: h.namespace,
    });
  });

  it('a missing target fails enrichment with a clear reason, and the RR fails in Processing', async () => {
    const rr = await h.createRR({ target: 'ghost' });
    const sp = await childStatus('signalprocessings', `sp-${rr}`, ['Completed', 'Failed']);
    expect(sp.phase).toBe('Failed');
    expect(sp.failureInfo.error).toBe(`Deployment ${h.namespace}/ghost not found`);
    const done = await h.waitForPhase(rr, ['Failed']);
    expect(done.status?.completionStatus).toMatchObject({
      failurePhase: 'SignalProcessing',
      failureReason: `Deployment ${h.namespace}/ghost not found`,
    });
  });

  it('low confidence (re-running a failed Job) fails analysis for human review', async () => {
    const job = uniqueName('nightly');
    await kube().objects.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: job, namespace: h.namespace },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36' }] } },
      },
    } as never);
    const rr = await h.createRR({
      target: job,
      targetKind: 'Job',
      signalName: 'KubeJobFailed',
      severity: 'warning',
    });
    const aa = await childStatus('aianalyses', `ai-${rr}`, ['Completed', 'Failed']);
    expect(aa.phase).toBe('Failed');
    expect(aa.review).toEqual({ needsHumanReview: true, humanReviewReason: 'low_confidence' });
    expect(aa.message).toContain('below 0.7');
    const done = await h.waitForPhase(rr, ['Failed']);
    expect(done.status?.completionStatus).toMatchObject({ failurePhase: 'AIAnalysis' });
    await h.waitForChild('NotificationRequest', `nr-manual-review-${rr}`);
  });

  it('no matching workflow → analysis completes without a selection and the RR ends ManualReviewRequired', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr = await h.createRR({ target: web, signalName: 'CertificateExpiringSoon' });
    const aa = await childStatus('aianalyses', `ai-${rr}`, ['Completed', 'Failed']);
    expect(aa.phase).toBe('Completed');
    expect(aa.rcaResult.selectedWorkflow).toBeUndefined();
    expect(aa.review).toEqual({ needsHumanReview: true, humanReviewReason: 'no_matching_workflows' });
    const done = await h.waitForPhase(rr, ['Completed']);
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'ManualReviewRequired' });
  });
});
