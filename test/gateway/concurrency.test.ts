import { beforeAll, describe, expect, it } from 'vitest';
import { kube, testNamespace, uniqueName } from '../harness/index.js';
import {
  alertmanagerPayload,
  auditRows,
  deploymentWithPods,
  gatewayApp,
  gatewayPool,
  getRR,
  listRRs,
  podAlert,
  post,
} from './gateway-fixtures.js';

const URL = '/api/v1/signals/prometheus';

describe('concurrent identical alerts on several API replicas', async () => {
  const pool = gatewayPool();
  let workloads: string;
  let controller: string;
  let replicas: Awaited<ReturnType<typeof gatewayApp>>[];
  let pods: string[];
  beforeAll(async () => {
    [workloads, controller] = await Promise.all([testNamespace('gw-conc'), testNamespace('gw-conc-ctl')]);
    // Three replicas share PostgreSQL and the API server, as deployed API pods would.
    replicas = await Promise.all([1, 2, 3].map(() => gatewayApp(pool, controller)));
    pods = await deploymentWithPods(workloads, uniqueName('api'), 2);
  });

  it('50 identical alerts sent at once create exactly one RR that counts all 50', async () => {
    const sends = Array.from({ length: 50 }, (_, i) =>
      post(replicas[i % replicas.length]!, URL, alertmanagerPayload([podAlert(workloads, pods[i % 2]!)])),
    );
    const responses = await Promise.all(sends);
    const codes = responses.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 202)).toHaveLength(49);

    const rrs = await listRRs(controller);
    expect(rrs).toHaveLength(1);
    const name = rrs[0]!.metadata.name;
    expect(new Set(responses.map((r) => r.json().results[0].remediationRequest.name))).toEqual(
      new Set([name]),
    );
    expect((await getRR(controller, name)).status?.deduplication.occurrenceCount).toBe(50);

    // Every occurrence got its own number: 1 for the creator, 2..50 for the rest.
    const numbers = responses.map((r) => r.json().results[0].occurrenceCount).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    const rows = await auditRows(pool, name);
    const count = (t: string) => rows.filter((r) => r.event_type === t).length;
    expect([count('gateway.signal.received'), count('gateway.crd.created')]).toEqual([1, 1]);
    expect(count('gateway.signal.deduplicated')).toBe(49);
    const { rows: claims } = await pool.query('SELECT rr_name FROM gateway_claims WHERE rr_name = $1', [
      name,
    ]);
    expect(claims).toHaveLength(1);
  });

  it('a claim left by a replica that crashed before creating its RR is completed by the next alert', async () => {
    const alert = podAlert(workloads, pods[0]!, { alertname: 'HighLatency' });
    const answered = await post(replicas[0]!, URL, alertmanagerPayload([alert]));
    const fp = answered.json().results[0].fingerprint as string;
    // Simulate the crash: a claim whose RR was never created (as if the replica died in between).
    const orphan = `rr-${fp.slice(0, 12)}-0badc0de`;
    const { custom } = kube();
    const open = answered.json().results[0].remediationRequest;
    await custom.deleteNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace: open.namespace,
      plural: 'remediationrequests',
      name: open.name,
    });
    await pool.query(
      'UPDATE gateway_claims SET rr_name = $2, rr_uid = NULL, claimed_at = now() WHERE fingerprint = $1',
      [fp, orphan],
    );

    const res = await post(replicas[1]!, URL, alertmanagerPayload([alert]));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().results[0].remediationRequest.name).toBe(orphan);
    const rr = await getRR(controller, orphan);
    const rows = await auditRows(pool, orphan);
    expect(rows.map((r) => r.event_type)).toEqual(['gateway.signal.received', 'gateway.crd.created']);
    expect(rows[0].event_data.spec).toEqual(rr.spec);
    const { rows: claim } = await pool.query('SELECT rr_uid FROM gateway_claims WHERE fingerprint = $1', [
      fp,
    ]);
    expect(claim[0].rr_uid).toBe(rr.metadata.uid);
  });
});
