/**
 * The built-in EffectivenessAssessment controller on its own (with the
 * WorkflowExecution controller making the change it assesses). The local cluster
 * has no kubelet, so a test that wants a healthy Deployment plays the kubelet and
 * marks its pods Ready (rollOut); one that wants an unhealthy one does not.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { loadEffectivenessEvents } from '../../lib/effectiveness/query.js';
import { effectivenessScore } from '../../lib/effectiveness/score.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { SPEC_HASH_AFTER, SPEC_HASH_BEFORE } from '../../workers/controllers/workflow-execution.js';
import { useControllerHarness } from '../harness/controllers.js';
import { kube, uniqueName } from '../harness/index.js';
import { createDeployment, rollOut } from '../harness/workloads.js';

describe('built-in EffectivenessAssessment controller', () => {
  const h = useControllerHarness(
    {
      enabled: ['workflowexecution', 'effectivenessassessment'],
      effectiveness: { healthGraceMs: 3_000, recheckMs: 200 },
    },
    'ea',
  );
  const done = (s: Record<string, unknown>) => ['Completed', 'Failed'].includes(s.phase as string);

  /** Restarts `web` through a WorkflowExecution, as the workflow's Executing phase would. */
  async function restarted(web: string) {
    const rr = await h.createRR({ kind: 'Deployment', name: web, namespace: h.namespace });
    const rrName = rr.metadata.name;
    await h.createChild(
      'WorkflowExecution',
      `we-${rrName}`,
      {
        remediationRequestRef: { kind: 'RemediationRequest', name: rrName, namespace: h.namespace },
        workflowRef: {
          workflowId: 'restart-crashlooping-workload',
          workflowName: 'restart',
          version: '1.0.0',
          actionType: 'restart',
          executionBundle: 'builtin:restart',
        },
        targetResource: `${h.namespace}/Deployment/${web}`,
      },
      rr,
    );
    const status = await h.waitForStatus('WorkflowExecution', `we-${rrName}`, done);
    expect(status.phase).toBe('Completed');
    // The hashes before and after are annotations (Kubernaut's WE status has no field for them).
    const marks = (await h.objects.get('workflowexecutions', h.namespace, `we-${rrName}`))!.metadata
      .annotations!;
    const change = { beforeSpecHash: marks[SPEC_HASH_BEFORE]!, afterSpecHash: marks[SPEC_HASH_AFTER]! };
    expect(change.afterSpecHash).toBeTruthy();
    return { rr, we: { ...status, change } };
  }
  async function assess(rr: KubeObject, web: string, preHash: string, window = '1s') {
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: web, namespace: h.namespace };
    const name = `ea-${rr.metadata.name}`;
    await h.createChild(
      'EffectivenessAssessment',
      name,
      {
        correlationID: rr.metadata.name,
        remediationRequestPhase: 'Verifying',
        remediationTarget: target,
        signalTarget: target,
        preRemediationSpecHash: preHash,
        config: { stabilizationWindow: window },
      },
      rr,
    );
    return name;
  }

  it('waits out the window, then a rolled-out, restarted Deployment scores Full', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    await rollOut(h.namespace, web);
    const { rr, we } = await restarted(web);
    await rollOut(h.namespace, web); // the new ReplicaSet's pods become Ready
    const ea = await assess(rr, web, we.change.beforeSpecHash, '2s');
    const waiting = await h.waitForStatus('EffectivenessAssessment', ea, (s) => s.phase === 'Stabilizing');
    expect(waiting.message).toMatch(/^waiting until /);
    const s = await h.waitForStatus('EffectivenessAssessment', ea, done);
    expect(s).toMatchObject({
      phase: 'Completed',
      assessmentReason: 'Full',
      components: {
        healthAssessed: true,
        healthScore: 1,
        hashComputed: true,
        postRemediationSpecHash: we.change.afterSpecHash,
        currentSpecHash: we.change.afterSpecHash,
      },
    });
    expect(s.message).toContain('the spec changed as restart intended');
    // Its events are in the trail, written before the status, and score as Kubernaut's store does.
    const score = effectivenessScore(
      rr.metadata.name,
      await loadEffectivenessEvents(h.pool, rr.metadata.name),
    );
    expect(score).toMatchObject({
      score: 1,
      assessment_status: 'Full',
      components: { health_assessed: true, health_score: 1, alert_assessed: false, metrics_assessed: false },
      hash_comparison: {
        pre_remediation_spec_hash: we.change.beforeSpecHash,
        post_remediation_spec_hash: we.change.afterSpecHash,
        hash_match: false,
      },
    });
  });

  it('pods that never become ready → after the grace period, Partial with health 0', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const { rr, we } = await restarted(web);
    const s = await h.waitForStatus(
      'EffectivenessAssessment',
      await assess(rr, web, we.change.beforeSpecHash),
      done,
    );
    expect(s.assessmentReason).toBe('Partial');
    expect(s.components.healthScore).toBe(0);
    expect(s.message).toContain('0/1 available');
  });

  it('a spec changed again by someone else after the remediation → SpecDrift', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    await rollOut(h.namespace, web);
    const { rr, we } = await restarted(web);
    await kubeRequest(
      kube().kc,
      'PATCH',
      `/apis/apps/v1/namespaces/${h.namespace}/deployments/${web}`,
      { spec: { minReadySeconds: 5 } },
      'application/merge-patch+json',
    );
    const s = await h.waitForStatus(
      'EffectivenessAssessment',
      await assess(rr, web, we.change.beforeSpecHash),
      done,
    );
    expect(s.assessmentReason).toBe('SpecDrift');
    expect(s.components.currentSpecHash).not.toBe(we.change.afterSpecHash);
    const score = effectivenessScore(
      rr.metadata.name,
      await loadEffectivenessEvents(h.pool, rr.metadata.name),
    );
    expect(score).toMatchObject({ score: 0, assessment_status: 'SpecDrift' });
  });

  it('a target that is gone → Unrecoverable', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const { rr, we } = await restarted(web);
    await kube().apps.deleteNamespacedDeployment({ namespace: h.namespace, name: web });
    const s = await h.waitForStatus(
      'EffectivenessAssessment',
      await assess(rr, web, we.change.beforeSpecHash),
      done,
    );
    expect(s.assessmentReason).toBe('Unrecoverable');
    expect(s.message).toContain('no longer exists');
  });
});
