import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalFingerprint } from '../../lib/gateway/fingerprint.js';
import { kube, testNamespace, uniqueName } from '../harness/index.js';
import {
  alertmanagerPayload,
  auditRows,
  deploymentWithPods,
  finishRR,
  gatewayApp,
  gatewayPool,
  getRR,
  listRRs,
  podAlert,
  post,
} from './gateway-fixtures.js';

const URL = '/api/v1/signals/prometheus';

describe('Alertmanager alerts become one RemediationRequest per Deployment', async () => {
  const pool = gatewayPool();
  let workloads: string;
  let controller: string;
  let app: Awaited<ReturnType<typeof gatewayApp>>;
  let pods: string[];
  const deployment = uniqueName('web');
  beforeAll(async () => {
    [workloads, controller] = await Promise.all([testNamespace('gw-apps'), testNamespace('gw-ctl')]);
    app = await gatewayApp(pool, controller);
    pods = await deploymentWithPods(workloads, deployment, 2);
  });

  let firstName: string;

  it('an alert for a pod creates one RR in the controller namespace targeting its Deployment (201)', async () => {
    const alert = podAlert(workloads, pods[0]!);
    const res = await post(app, URL, alertmanagerPayload([alert]));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    const fp = signalFingerprint({ kind: 'Deployment', name: deployment, namespace: workloads });
    expect(body.summary).toEqual({ created: 1, deduplicated: 0, rejected: 0 });
    expect(body.results[0]).toMatchObject({
      outcome: 'created',
      fingerprint: fp,
      ownerResolution: 'resolved',
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, namespace: workloads },
      remediationRequest: { namespace: controller },
      occurrenceCount: 1,
    });
    firstName = body.results[0].remediationRequest.name;
    expect(firstName).toMatch(new RegExp(`^rr-${fp.slice(0, 12)}-[0-9a-f]{8}$`));

    // The API server accepted it under the CRD schema; the spec is complete.
    const rr = await getRR(controller, firstName);
    expect(rr.spec).toMatchObject({
      signalFingerprint: fp,
      signalName: 'KubePodCrashLooping',
      severity: 'critical',
      signalType: 'alert',
      signalSource: 'prometheus',
      targetType: 'kubernetes',
      targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, namespace: workloads },
      firingTime: alert.startsAt,
      signalLabels: { alertname: 'KubePodCrashLooping', pod: pods[0], namespace: workloads, cluster: '' },
      signalAnnotations: alert.annotations,
    });
    expect(JSON.parse(rr.spec.originalPayload)).toEqual(alert);
    const provider = JSON.parse(rr.spec.providerData);
    expect(provider.ownerChain).toEqual([
      `Pod/${pods[0]}`,
      expect.stringMatching(new RegExp(`^ReplicaSet/${deployment}-`)),
      `Deployment/${deployment}`,
    ]);
    expect(rr.status?.deduplication).toMatchObject({ occurrenceCount: 1, firstSeenAt: rr.spec.receivedTime });
    // Who sent it: an approval ladder never lets the requester approve (I10).
    expect(rr.metadata.annotations?.['kubernaut.ai/requested-by']).toBe(
      'system:serviceaccount:monitoring:alertmanager',
    );
  });

  it('records the creation in the audit trail: signal.received with the exact spec, then crd.created', async () => {
    const rr = await getRR(controller, firstName);
    const rows = await auditRows(pool, firstName);
    expect(rows.map((r) => r.event_type)).toEqual(['gateway.signal.received', 'gateway.crd.created']);
    const [received, created] = rows;
    expect(received).toMatchObject({
      event_category: 'gateway',
      correlation_id: firstName,
      resource_type: 'RemediationRequest',
      resource_id: firstName,
      namespace: controller,
    });
    expect(received.event_data.spec).toEqual(rr.spec);
    expect(received.event_data).toMatchObject({
      rr_name: firstName,
      rr_namespace: controller,
      fingerprint: rr.spec.signalFingerprint,
      received_at: rr.spec.receivedTime,
      submitted_by: 'system:serviceaccount:monitoring:alertmanager',
    });
    expect(created.event_data).toMatchObject({
      rr_name: firstName,
      rr_namespace: controller,
      uid: rr.metadata.uid,
    });
  });

  it('an alert for another pod of the same Deployment deduplicates into the open RR (202, count 2)', async () => {
    const res = await post(app, URL, alertmanagerPayload([podAlert(workloads, pods[1]!)]));
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().results[0]).toMatchObject({
      outcome: 'deduplicated',
      remediationRequest: { name: firstName, namespace: controller },
      occurrenceCount: 2,
    });
    expect(await listRRs(controller)).toHaveLength(1);
    const rr = await getRR(controller, firstName);
    expect(rr.status?.deduplication.occurrenceCount).toBe(2);
    expect(rr.status?.deduplication.lastSeenAt >= rr.status?.deduplication.firstSeenAt).toBe(true);
    const dedup = (await auditRows(pool, firstName)).filter(
      (r) => r.event_type === 'gateway.signal.deduplicated',
    );
    expect(dedup).toHaveLength(1);
    expect(dedup[0].event_data).toMatchObject({ occurrence_count: 2, deduplication_status: 'duplicate' });
  });

  it("keeps the workflow's status fields while counting (it merge-patches, the gateway replaces under resourceVersion)", async () => {
    await finishRR(controller, firstName, 'Processing');
    const res = await post(app, URL, alertmanagerPayload([podAlert(workloads, pods[0]!)]));
    expect(res.statusCode).toBe(202);
    const rr = await getRR(controller, firstName);
    expect(rr.status).toMatchObject({ overallPhase: 'Processing', deduplication: { occurrenceCount: 3 } });
  });

  it('once the RR is terminal, a new alert creates a new RR for the same fingerprint (201)', async () => {
    await finishRR(controller, firstName, 'Completed');
    const res = await post(app, URL, alertmanagerPayload([podAlert(workloads, pods[1]!)]));
    expect(res.statusCode, res.body).toBe(201);
    const second = res.json().results[0].remediationRequest.name;
    expect(second).not.toBe(firstName);
    const rrs = await listRRs(controller);
    expect(rrs.map((r) => r.metadata.name).sort()).toEqual([firstName, second].sort());
    expect((await getRR(controller, firstName)).status?.deduplication.occurrenceCount).toBe(3);
    const { rows } = await pool.query(
      'SELECT rr_name, released, generation FROM gateway_claims WHERE fingerprint = $1',
      [res.json().results[0].fingerprint],
    );
    expect(rows).toEqual([{ rr_name: second, released: false, generation: 2 }]);
  });

  it('a deleted RR releases its fingerprint too: the next alert creates a fresh one', async () => {
    const [open] = (await listRRs(controller)).filter((r) => r.status?.overallPhase !== 'Completed');
    await kube().custom.deleteNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace: controller,
      plural: 'remediationrequests',
      name: open!.metadata.name,
    });
    const res = await post(app, URL, alertmanagerPayload([podAlert(workloads, pods[0]!)]));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().results[0].remediationRequest.name).not.toBe(open!.metadata.name);
  });

  it('a resolved alert creates nothing and says so (200, rejected)', async () => {
    const before = (await listRRs(controller)).length;
    const res = await post(
      app,
      URL,
      alertmanagerPayload([podAlert(workloads, pods[0]!, { status: 'resolved' })]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0]).toMatchObject({ outcome: 'rejected', reason: 'resolved' });
    expect(await listRRs(controller)).toHaveLength(before);
  });

  it('an alert for a pod that no longer exists targets the pod as labelled, and says so', async () => {
    const gone = `${deployment}-gone-abc12`;
    const res = await post(
      app,
      URL,
      alertmanagerPayload([podAlert(workloads, gone, { alertname: 'PodGone' })]),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().results[0]).toMatchObject({
      ownerResolution: 'fallback-not-found',
      target: { apiVersion: 'v1', kind: 'Pod', name: gone, namespace: workloads },
      fingerprint: signalFingerprint({ kind: 'Pod', name: gone, namespace: workloads }),
    });
  });

  it('counts signals by source and outcome in /metrics', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/kubernaut_gateway_signals_received_total\{source="prometheus"\} \d+/);
    expect(text).toMatch(/kubernaut_gateway_signals_created_total\{source="prometheus"\} 4/);
    expect(text).toMatch(/kubernaut_gateway_signals_deduplicated_total\{source="prometheus"\} 2/);
    expect(text).toMatch(
      /kubernaut_gateway_signals_rejected_total\{source="prometheus",reason="resolved"\} 1/,
    );
  });
});

describe('the controller namespace', async () => {
  const pool = gatewayPool();
  const controller = uniqueName('gw-new-ctl');
  afterAll(() =>
    kube()
      .core.deleteNamespace({ name: controller })
      .catch(() => {}),
  );

  it('is created when missing, as in the embedded default', async () => {
    const workloads = await testNamespace('gw-ns');
    const app = await gatewayApp(pool, controller, { ensureNamespace: true });
    const [pod] = await deploymentWithPods(workloads, uniqueName('svc'), 1);
    const res = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod!)]));
    expect(res.statusCode, res.body).toBe(201);
    expect((await kube().core.readNamespace({ name: controller })).metadata?.name).toBe(controller);
    expect(await listRRs(controller)).toHaveLength(1);
  });
});
