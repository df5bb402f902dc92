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
