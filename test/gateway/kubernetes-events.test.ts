import { beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_LABEL } from '../../lib/gateway/scope.js';
import { kube, testNamespace, uniqueName } from '../harness/index.js';
import {
  alertmanagerPayload,
  auditRows,
  deploymentWithPods,
  gatewayApp,
  gatewayPool,
  getRR,
  podAlert,
  post,
} from './gateway-fixtures.js';

const URL = '/api/v1/signals/kubernetes-event';

/** A core v1 Event about a pod, as the kubelet reports it. */
function podEvent(namespace: string, pod: string, type: string, reason: string) {
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${pod}.17f0a1b2c3d4e5f6`,
      namespace,
      uid: '0d6c1f2e-0000-4000-8000-000000000001',
      creationTimestamp: now,
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod,
      namespace,
      fieldPath: 'spec.containers{web}',
    },
    reason,
    message: 'Back-off restarting failed container web',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 5,
    type,
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  };
}

describe('Kubernetes events become RemediationRequests for the owning workload', async () => {
  const pool = gatewayPool();
  let workloads: string;
  let controller: string;
  let app: Awaited<ReturnType<typeof gatewayApp>>;
  const deployment = uniqueName('worker');
  let pods: string[];
  beforeAll(async () => {
    [workloads, controller] = await Promise.all([testNamespace('gw-ev'), testNamespace('gw-ev-ctl')]);
    app = await gatewayApp(pool, controller);
    pods = await deploymentWithPods(workloads, deployment, 1);
  });

  it('a Warning event for a Pod creates an RR for its Deployment, named after the reason', async () => {
    const event = podEvent(workloads, pods[0]!, 'Warning', 'BackOff');
    const res = await post(app, URL, event);
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json().results[0];
    expect(result).toMatchObject({
      outcome: 'created',
      ownerResolution: 'resolved',
      target: { kind: 'Deployment', name: deployment, namespace: workloads },
    });
    const rr = await getRR(controller, result.remediationRequest.name);
    expect(rr.spec).toMatchObject({
      signalName: 'BackOff',
      severity: 'warning',
      signalType: 'kubernetes-event',
      signalSource: 'kubernetes-events',
      targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, namespace: workloads },
      firingTime: event.firstTimestamp,
      signalAnnotations: { message: event.message },
    });
    expect(JSON.parse(rr.spec.originalPayload)).toEqual(event);
    const [received] = await auditRows(pool, rr.metadata.name);
    expect(received.event_data.spec).toEqual(rr.spec);
  });

  it('an alert about the same Deployment deduplicates into the event RR: one fingerprint per owner', async () => {
    const res = await post(
      app,
      '/api/v1/signals/prometheus',
      alertmanagerPayload([podAlert(workloads, pods[0]!)]),
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().results[0].occurrenceCount).toBe(2);
  });

  it('a Normal event is rejected with the reason (200)', async () => {
    const res = await post(app, URL, podEvent(workloads, pods[0]!, 'Normal', 'Pulled'));
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0]).toMatchObject({ outcome: 'rejected', reason: 'not-a-warning' });
    expect(res.json().results[0].message).toMatch(/Normal/);
  });

  it('refuses an event without involvedObject with a 400 problem', async () => {
    const { involvedObject: _, ...event } = podEvent(workloads, pods[0]!, 'Warning', 'BackOff');
    const res = await post(app, URL, event);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('counts events by source in /metrics', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/kubernaut_gateway_signals_created_total\{source="kubernetes-events"\} 1/);
    expect(text).toMatch(
      /kubernaut_gateway_signals_rejected_total\{source="kubernetes-events",reason="not-a-warning"\} 1/,
    );
  });
});

describe(`the scope rule: only ${MANAGED_LABEL}=true resources are remediated`, async () => {
  const pool = gatewayPool();
  let controller: string;
  let managed: string;
  let unmanaged: string;
  let app: Awaited<ReturnType<typeof gatewayApp>>;
  beforeAll(async () => {
    [controller, managed, unmanaged] = await Promise.all([
      testNamespace('gw-scope-ctl'),
      testNamespace('gw-scope-on'),
      testNamespace('gw-scope-off'),
    ]);
    const { core } = kube();
    const ns = await core.readNamespace({ name: managed });
    ns.metadata!.labels = { ...ns.metadata!.labels, [MANAGED_LABEL]: 'true' };
    await core.replaceNamespace({ name: managed, body: ns });
    app = await gatewayApp(pool, controller, { requireManagedLabel: true });
  });

  it('remediates a Deployment in a namespace labelled managed', async () => {
    const [pod] = await deploymentWithPods(managed, uniqueName('in'), 1);
    const res = await post(app, URL, podEvent(managed, pod!, 'Warning', 'BackOff'));
    expect(res.statusCode, res.body).toBe(201);
  });

  it('rejects a Deployment in an unlabelled namespace, with the reason', async () => {
    const [pod] = await deploymentWithPods(unmanaged, uniqueName('out'), 1);
    const res = await post(app, URL, podEvent(unmanaged, pod!, 'Warning', 'BackOff'));
    expect(res.statusCode).toBe(200);
    expect(res.json().results[0]).toMatchObject({ outcome: 'rejected', reason: 'not-managed' });
  });

  it("lets the resource's own label override its namespace's", async () => {
    const [pod] = await deploymentWithPods(managed, uniqueName('optout'), 1, { [MANAGED_LABEL]: 'false' });
    const res = await post(app, URL, podEvent(managed, pod!, 'Warning', 'BackOff'));
    expect(res.json().results[0]).toMatchObject({ outcome: 'rejected', reason: 'not-managed' });
    const [podIn] = await deploymentWithPods(unmanaged, uniqueName('optin'), 1, { [MANAGED_LABEL]: 'true' });
    expect((await post(app, URL, podEvent(unmanaged, podIn!, 'Warning', 'BackOff'))).statusCode).toBe(201);
  });
});
