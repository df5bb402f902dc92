/**
 * What the gateway keeps between signals, and what that may and may not cost:
 * claims trusted until a count finds their RR ended (also when another replica moved
 * the claim meanwhile), and one pool of keep-alive connections for every Kubernetes
 * call.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { keepAliveKubeConfig } from '../../lib/gateway/kube-agent.js';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import {
  alertmanagerPayload,
  auditRows,
  deploymentWithPods,
  finishRR,
  gatewayApp,
  gatewayPool,
  getRR,
  podAlert,
  post,
} from './gateway-fixtures.js';

const URL = '/api/v1/signals/prometheus';

describe('claims remembered by one replica', async () => {
  const pool = gatewayPool();
  let workloads: string;
  let controller: string;
  let replicas: Awaited<ReturnType<typeof gatewayApp>>[];
  let pods: string[];
  beforeAll(async () => {
    [workloads, controller] = await Promise.all([testNamespace('gw-cc'), testNamespace('gw-cc-ctl')]);
    replicas = await Promise.all([1, 2].map(() => gatewayApp(pool, controller)));
    pods = await deploymentWithPods(workloads, uniqueName('web'), 1);
  });

  it('are not trusted once another replica replaced the RR: the count lands on the new RR', async () => {
    const [one, two] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const alert = () => alertmanagerPayload([podAlert(workloads, pods[0]!)]);
    const first = await post(one, URL, alert());
    expect(first.statusCode, first.body).toBe(201);
    const rr1 = first.json().results[0].remediationRequest.name as string;

    // The RR ends; replica two sees it first and takes the claim over with a new RR.
    await finishRR(controller, rr1, 'Completed');
    const second = await post(two, URL, alert());
    expect(second.statusCode, second.body).toBe(201);
    const rr2 = second.json().results[0].remediationRequest.name as string;
    expect(rr2).not.toBe(rr1);

    // Replica one still remembers rr1: its count finds rr1 terminal and follows the claim.
    const third = await post(one, URL, alert());
    expect(third.statusCode, third.body).toBe(202);
    expect(third.json().results[0]).toMatchObject({
      remediationRequest: { name: rr2 },
      occurrenceCount: 2,
    });
    expect((await getRR(controller, rr1)).status?.deduplication.occurrenceCount).toBe(1);
    expect((await getRR(controller, rr2)).status?.deduplication.occurrenceCount).toBe(2);
    expect((await auditRows(pool, rr2)).map((r) => r.event_type)).toEqual([
      'gateway.signal.received',
      'gateway.crd.created',
      'gateway.signal.deduplicated',
    ]);
  });
});

describe('Kubernetes connections', () => {
  it('typed and raw calls share one pool of keep-alive connections', async () => {
    const view = keepAliveKubeConfig(loadKubeConfig(stackInfo().kubeconfigPath));
    const [x, y] = [{}, {}] as import('node:https').RequestOptions[];
    await view.applyToHTTPSOptions(x!);
    await view.applyToHTTPSOptions(y!);
    const agent = x!.agent as import('node:https').Agent & { keepAlive?: boolean };
    expect(y!.agent).toBe(agent);
    expect(agent.keepAlive).toBe(true);

    const { core } = kubeClients(view);
    for (let i = 0; i < 5; i++) {
      await core.readNamespace({ name: 'default' });
      await kubeRequest(view, 'GET', '/api/v1/namespaces/default');
    }
    // Ten calls one after another, one connection: it went back to the pool each time.
    expect(Object.values(agent.sockets).flat()).toHaveLength(0);
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
  });
});
