/**
 * What the gateway remembers between signals, and what that may and may not cost:
 * owner resolutions reused for a bounded time, claims trusted until a count finds
 * their RR ended (also when another replica moved the claim meanwhile), audit
 * writes grouped across requests (its Kubernetes connections: test/integration/kube-keep-alive.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput, AuditWriter } from '../../lib/audit/types.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { AuditBatcher } from '../../lib/gateway/audit-batch.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { kube, testNamespace, uniqueName } from '../harness/index.js';
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

/** A Deployment with no replicas (its controller makes no pods to adopt anything). */
async function emptyDeployment(namespace: string, name: string): Promise<k8s.V1Deployment> {
  return kube().apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
        },
      },
    },
  });
}

const controllerRef = (d: k8s.V1Deployment) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  name: d.metadata!.name!,
  uid: d.metadata!.uid!,
  controller: true,
});

/** A bare pod (no labels, so no ReplicaSet adopts it) controlled by `owner`. */
async function podOwnedBy(namespace: string, name: string, owner: k8s.V1Deployment) {
  await kube().core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, ownerReferences: [controllerRef(owner)] },
      spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
    },
  });
}

describe('owner resolutions are reused for a bounded time', async () => {
  const pool = gatewayPool();
  let workloads: string;
  let controller: string;
  let app: Awaited<ReturnType<typeof gatewayApp>>;
  let clock = 1_000_000;
  let a: k8s.V1Deployment;
  let b: k8s.V1Deployment;
  beforeAll(async () => {
    [workloads, controller] = await Promise.all([testNamespace('gw-oc'), testNamespace('gw-oc-ctl')]);
    app = await gatewayApp(pool, controller, { ownerCacheTtlMs: 5_000, now: () => clock });
    [a, b] = await Promise.all([
      emptyDeployment(workloads, uniqueName('a')),
      emptyDeployment(workloads, uniqueName('b')),
    ]);
  });

  it('a pod moved to another owner counts on the previous owner until the TTL ends, then on the new one', async () => {
    const pod = uniqueName('p');
    await podOwnedBy(workloads, pod, a);
    const first = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod)]));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().results[0].target.name).toBe(a.metadata!.name);

    await kubeRequest(
      kube().kc,
      'PATCH',
      `/api/v1/namespaces/${workloads}/pods/${pod}`,
      { metadata: { ownerReferences: [controllerRef(b)] } },
      'application/merge-patch+json',
    );
    clock += 4_999;
    const stale = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod)]));
    expect(stale.statusCode, stale.body).toBe(202);
    expect(stale.json().results[0]).toMatchObject({
      target: { name: a.metadata!.name },
      remediationRequest: first.json().results[0].remediationRequest,
      occurrenceCount: 2,
    });

    clock += 1;
    const fresh = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod)]));
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(fresh.json().results[0].target.name).toBe(b.metadata!.name);
  });

  it('"not found" is never reused: a pod that appears is resolved to its owner at once', async () => {
    const pod = uniqueName('late');
    const before = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod)]));
    expect(before.json().results[0]).toMatchObject({
      ownerResolution: 'fallback-not-found',
      target: { kind: 'Pod', name: pod },
    });
    await podOwnedBy(workloads, pod, a);
    const after = await post(app, URL, alertmanagerPayload([podAlert(workloads, pod)]));
    expect(after.json().results[0]).toMatchObject({
      ownerResolution: 'resolved',
      target: { kind: 'Deployment', name: a.metadata!.name },
    });
  });
});

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

describe('grouped audit writes', async () => {
  const pool = gatewayPool();

  const event = (correlation: string, data: Record<string, unknown> = {}): AuditEventInput => ({
    event_id: randomUUID(),
    version: '1.0',
    event_type: 'gateway.signal.deduplicated',
    event_timestamp: new Date().toISOString(),
    event_category: 'gateway',
    event_action: 'deduplicated',
    event_outcome: 'success',
    correlation_id: correlation,
    event_data: data,
  });

  /** The real writer, counting its calls. */
  function countingWriter(): AuditWriter & { calls: number } {
    const real = createAuditWriter(pool);
    const w = {
      calls: 0,
      write: (events: AuditEventInput[]) => {
        w.calls++;
        return real.write(events);
      },
    };
    return w;
  }

  const stored = async (ids: string[]) =>
    (
      await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_events WHERE event_id = ANY($1::uuid[])',
        [ids],
      )
    ).rows[0]!.n;

  it('callers arriving during a write share the next one, in arrival order', async () => {
    const writer = countingWriter();
    const batcher = new AuditBatcher(writer);
    const rr = uniqueName('rr-batch');
    const events = Array.from({ length: 20 }, () => event(rr));
    await Promise.all(events.map((e) => batcher.write([e])));
    // The first goes alone (nothing was in flight); the 19 that queued behind it, together.
    expect(writer.calls).toBe(2);
    const { rows } = await pool.query(
      'SELECT event_id::text FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
      [rr],
    );
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.event_id));
  });

  it("one caller's event the database refuses fails that caller only", async () => {
    const batcher = new AuditBatcher(countingWriter());
    const good = Array.from({ length: 6 }, () => event(uniqueName('rr-good')));
    // jsonb cannot hold a NUL character.
    const bad = event(uniqueName('rr-bad'), { text: 'a\u0000b' });
    const outcomes = await Promise.allSettled([
      batcher.write([good[0]!]),
      ...good.slice(1, 3).map((e) => batcher.write([e])),
      batcher.write([bad]),
      ...good.slice(3).map((e) => batcher.write([e])),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await stored(good.map((e) => e.event_id!))).toBe(6);
    expect(await stored([bad.event_id!])).toBe(0);
  });
});
