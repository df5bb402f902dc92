import { mulberry32 } from './stats.js';

/** The Alertmanager webhook (v4) the gateway figure sends: one firing alert for one Deployment. */
export function alertmanagerPayload(namespace: string, deployment: string, startsAt: string): string {
  return JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'kubernaut',
    groupKey: `{}:{alertname="KubePodCrashLooping"}`,
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'KubePodCrashLooping', severity: 'critical', namespace, deployment },
        annotations: { summary: `deployment ${deployment} is crash looping` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: deployment,
      },
    ],
  });
}

/**
 * Which target each alert of a storm names: every target exactly `count / targets`
 * times (so every target opens one RR and all are counted), in a seeded shuffled
 * order, so alerts for the same target also arrive close together — some while its
 * RR is still being created.
 */
export function stormOrder(count: number, targets: number, seed: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i % targets);
  const random = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
