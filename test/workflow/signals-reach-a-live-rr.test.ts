/**
 * Invariant I6 (docs/invariants.md): a signal is never silently absorbed by an RR
 * that will not run. The gateway counts a repeated alert into an RR only while that
 * RR is live; once its run was terminated from the Web UI, or once it is a restored
 * copy of a remediation that already happened, the next alert for the workload opens
 * a new remediation (201), and that remediation runs.
 *
 * The whole path is real: Alertmanager payloads through the API's gateway, the
 * worker's launcher and reconciler (every second here) on the same namespace.
 */
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { reconstructRemediationRequest } from '../../lib/reconstruct/index.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import {
  alertmanagerPayload,
  deploymentWithPods,
  gatewayApp,
  gatewayPool,
  getRR,
  podAlert,
  post,
} from '../gateway/gateway-fixtures.js';
import { eventually, testNamespace, uniqueName } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';

const URL = '/api/v1/signals/prometheus';

describe('I6: alerts for a workload whose RR will not run open a new remediation', () => {
  const h = useRemediationHarness({}, { reconcileIntervalMs: 1_000 });
  const pool = gatewayPool();
  let app: FastifyInstance;
  let workloads: string;
  beforeAll(async () => {
    workloads = await testNamespace('i6-apps');
    app = await gatewayApp(pool, h.namespace);
  });

  /** One Alertmanager alert for a pod of `deployment`; answers the outcome and the RR it names. */
  const alert = async (pod: string) => {
    const res = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod)]));
    expect([201, 202], res.body).toContain(res.statusCode);
    const result = res.json().results[0] as { outcome: string; remediationRequest: { name: string } };
    return { status: res.statusCode, outcome: result.outcome, rr: result.remediationRequest.name };
  };

  /** A gateway-created RR played (as the controllers would) until it awaits approval. */
  const awaitingApproval = async (pod: string) => {
    const first = await alert(pod);
    expect(first).toMatchObject({ status: 201, outcome: 'created' });
    const rr = first.rr;
    h.created.push(workflowIdFor(h.namespace, rr));
    await h.playToApproval(rr);
    return rr;
  };

  /** The new RR is a remediation of its own: its run starts and creates its first child. */
  const runsOnItsOwn = async (rr: string) => {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    const desc = await h.runtime.client.workflow.getHandle(workflowIdFor(h.namespace, rr)).describe();
    expect((desc.memo as { uid?: string }).uid).toBe((await getRR(h.namespace, rr)).metadata.uid);
  };

  it('after its run is terminated from the Web UI, the next alert creates a new RR (201) that runs', async () => {
    const deployment = uniqueName('web');
    const [pod] = await deploymentWithPods(workloads, deployment, 1);
    const rr = await awaitingApproval(pod!);

    // While the RR is live, a repeat of the alert is counted into it.
    expect(await alert(pod!)).toEqual({ status: 202, outcome: 'deduplicated', rr });

    await h.runtime.client.workflow
      .getHandle(workflowIdFor(h.namespace, rr))
      .terminate('terminated by an operator from the Temporal Web UI');
    const ended = await h.waitForPhase(rr, ['Failed'], 30_000);
    expect(ended.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowTerminated' });

    const next = await alert(pod!);
    expect(next).toMatchObject({ status: 201, outcome: 'created' });
    expect(next.rr).not.toBe(rr);
    h.created.push(workflowIdFor(h.namespace, next.rr));
    // The dead RR's count stops where its run stopped.
    expect((await getRR(h.namespace, rr)).status?.deduplication?.occurrenceCount).toBe(2);
    await runsOnItsOwn(next.rr);
  });

  it('a restored RR (its reconstruction applied back) counts no alert: the next one creates a new RR that runs', async () => {
    const deployment = uniqueName('web');
    const [pod] = await deploymentWithPods(workloads, deployment, 1);
    const rr = await awaitingApproval(pod!);

    // Disaster recovery: the RR is lost, and its reconstruction from the audit trail is applied.
    await h.deleteRR(rr);
    await eventually(
      'the original RR gone',
      async () => !(await h.objects.get('remediationrequests', h.namespace, rr)),
    );
    const rebuilt = await reconstructRemediationRequest(h.pool, rr);
    await h.objects.create(
      'remediationrequests',
      h.namespace,
      rebuilt.remediationRequest as unknown as KubeObject,
    );
    const restored = await h.waitForPhase(rr, ['Skipped', 'Failed', 'Completed'], 30_000);
    expect(restored.metadata.labels?.['kubernaut.ai/reconstructed']).toBe('true');

    const next = await alert(pod!);
    expect(next).toMatchObject({ status: 201, outcome: 'created' });
    expect(next.rr).not.toBe(rr);
    h.created.push(workflowIdFor(h.namespace, next.rr));
    // The restored count is the original's (one alert); nothing was added to it.
    expect((await getRR(h.namespace, rr)).status?.deduplication?.occurrenceCount).toBe(1);
    await runsOnItsOwn(next.rr);
  });
});
