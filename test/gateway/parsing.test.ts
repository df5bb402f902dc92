/** The pure parts of the gateway: fingerprints, label → target mapping, adapters, name checks. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signalsFromAlertmanager, targetFromLabels } from '../../lib/gateway/alertmanager.js';
import { newRemediationRequestName, signalFingerprint } from '../../lib/gateway/fingerprint.js';
import { signalFromKubernetesEvent } from '../../lib/gateway/kubernetes-event.js';
import { targetProblem } from '../../lib/gateway/target-kinds.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('fingerprint', () => {
  it('is the SHA-256 of namespace:Kind:name, prefixed by the cluster id when one is set', () => {
    const owner = { kind: 'Deployment', name: 'web', namespace: 'shop' };
    expect(signalFingerprint(owner)).toBe(sha('shop:Deployment:web'));
    expect(signalFingerprint(owner, 'eu-1')).toBe(sha('eu-1:shop:Deployment:web'));
    expect(signalFingerprint({ kind: 'Node', name: 'n1' })).toBe(sha(':Node:n1'));
  });

  it('names RRs rr-<fp[:12]>-<8 hex>', () => {
    const fp = sha('x');
    expect(newRemediationRequestName(fp)).toMatch(new RegExp(`^rr-${fp.slice(0, 12)}-[0-9a-f]{8}$`));
  });
});

describe('alert labels → target', () => {
  it('prefers the pod, and exported_namespace over namespace', () => {
    expect(
      targetFromLabels({ pod: 'p', deployment: 'd', namespace: 'monitoring', exported_namespace: 'shop' }),
    ).toEqual({ apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'shop' });
  });

  it('maps workload and node labels, ignoring Prometheus job and service labels', () => {
    expect(targetFromLabels({ statefulset: 'db', namespace: 'n', job: 'kube-state-metrics' })).toMatchObject({
      kind: 'StatefulSet',
      apiVersion: 'apps/v1',
    });
    expect(targetFromLabels({ node: 'n1', namespace: 'x', service: 'node-exporter' })).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'n1',
    });
    expect(targetFromLabels({ namespace: 'shop' })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'shop',
    });
    expect(targetFromLabels({ alertname: 'Watchdog' })).toBeNull();
  });
});

describe('adapters', () => {
  it('merges alert labels over commonLabels and defaults severity to unknown', () => {
    const [s] = signalsFromAlertmanager({
      commonLabels: { cluster: 'c1', team: 'a', alertname: 'X' },
      commonAnnotations: { summary: 'common' },
      alerts: [
        {
          labels: { alertname: 'Y', team: 'b' },
          annotations: { summary: 'own' },
          startsAt: '2025-01-01T00:00:00Z',
        },
      ],
    });
    expect(s).toMatchObject({
      name: 'Y',
      severity: 'unknown',
      clusterId: 'c1',
      labels: { cluster: 'c1', team: 'b', alertname: 'Y' },
      annotations: { summary: 'own' },
      firingTime: '2025-01-01T00:00:00.000Z',
    });
  });

  it('marks resolved alerts and non-warning events as rejected with a reason', () => {
    const [resolved] = signalsFromAlertmanager({
      alerts: [{ status: 'resolved', labels: { alertname: 'A' }, startsAt: '2025-01-01T00:00:00Z' }],
    });
    expect(resolved!.rejection?.reason).toBe('resolved');
    const normal = signalFromKubernetesEvent({
      type: 'Normal',
      reason: 'Pulled',
      involvedObject: { kind: 'Pod', name: 'p' },
    });
    expect(normal.rejection?.reason).toBe('not-a-warning');
    const error = signalFromKubernetesEvent({
      type: 'Error',
      reason: 'Failed',
      involvedObject: { kind: 'Pod', name: 'p' },
    });
    expect([error.rejection, error.severity]).toEqual([undefined, 'critical']);
  });
});

describe('target names from payloads', () => {
  it.each([
    [{ kind: 'Pod', name: '../../secrets', namespace: 'n' }, /not a valid Kubernetes name/],
    [{ kind: 'Pod', name: 'p', namespace: 'a/b' }, /namespace/],
    [{ kind: 'pod;drop', name: 'p', namespace: 'n' }, /not a Kubernetes kind/],
    [{ kind: 'Pod', name: 'p', namespace: 'n', apiVersion: 'v1/../x' }, /apiVersion/],
    [{ kind: 'Node', name: 'n1', namespace: 'n' }, /cluster-scoped/],
  ])('refuses %j before it reaches an API path', (target, why) => {
    expect(targetProblem(target)).toMatch(why);
  });

  it('accepts ordinary names', () => {
    expect(
      targetProblem({ kind: 'Deployment', name: 'web-1.a', namespace: 'shop', apiVersion: 'apps/v1' }),
    ).toBeNull();
  });
});
