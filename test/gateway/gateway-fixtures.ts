/**
 * The gateway suites' world: an API app with the gateway routes on the stack's
 * PostgreSQL and Kubernetes, its own controller namespace, real Deployments (the
 * control plane's controllers give them ReplicaSets and Pending Pods), and
 * Alertmanager / Event payloads as those senders produce them.
 */
import type * as k8s from '@kubernetes/client-node';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import { afterAll } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { StaticToken } from '../../api/auth/static-tokens.js';
import { type GatewayConfig, loadGatewayConfig } from '../../api/gateway-config.js';
import { API_GROUP } from '../../lib/domain.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { eventually, kube, stackInfo } from '../harness/index.js';

export const WRITER = 'gateway-writer-token-0123456789';
export const READER = 'gateway-reader-token-0123456789';
const tokens: StaticToken[] = [
  {
    token: WRITER,
    name: 'system:serviceaccount:monitoring:alertmanager',
    roles: ['writer'],
    kind: 'service',
  },
  { token: READER, name: 'rita', roles: ['reader'], kind: 'user' },
];

export function gatewayPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 10 });
  afterAll(() => pool.end());
  return pool;
}

/** One API replica whose gateway creates RRs in `controllerNamespace`. */
export async function gatewayApp(
  pool: pg.Pool,
  controllerNamespace: string,
  over: Partial<GatewayConfig> = {},
): Promise<FastifyInstance> {
  const app = await buildApp({
    pool,
    config: { tokens, maxBatchSize: 500, bodyLimit: 10 * 1024 * 1024 },
    gateway: {
      kubeConfig: loadKubeConfig(stackInfo().kubeconfigPath),
      config: { ...loadGatewayConfig({}), controllerNamespace, ...over },
    },
  });
  afterAll(() => app.close());
  return app;
}

export const post = (
  app: FastifyInstance,
  url: string,
  payload: unknown,
  extra: Partial<InjectOptions> = {},
) =>
  app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: { authorization: `Bearer ${WRITER}`, 'content-type': 'application/json', ...extra.headers },
    ...(extra.body !== undefined ? { body: extra.body } : {}),
  });

/** A Deployment with `replicas` Pods; resolves with the names of its Pods once they exist. */
export async function deploymentWithPods(
  namespace: string,
  name: string,
  replicas = 2,
  labels: Record<string, string> = {},
): Promise<string[]> {
  const { apps, core } = kube();
  const selector = { app: name };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
        },
      },
    } satisfies k8s.V1Deployment,
  });
  return eventually(`${replicas} pods of deployment ${name}`, async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
    const owned = pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet'));
    return owned.length >= replicas && owned.map((p) => p.metadata!.name!);
  });
}

export interface AlertOptions {
  alertname?: string;
  severity?: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  labels?: Record<string, string>;
}

/** One alert as Alertmanager sends it, for a pod in `namespace`. */
export function podAlert(namespace: string, pod: string, o: AlertOptions = {}) {
  return {
    status: o.status ?? 'firing',
    labels: {
      alertname: o.alertname ?? 'KubePodCrashLooping',
      severity: o.severity ?? 'critical',
      namespace,
      pod,
      container: 'web',
      ...o.labels,
    },
    annotations: {
      summary: `Pod ${namespace}/${pod} is crash looping`,
      runbook_url: 'https://runbooks.example/crash',
    },
    startsAt: o.startsAt ?? new Date(Date.now() - 60_000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example/graph?g0.expr=up',
    fingerprint: 'a1b2c3d4e5f60718',
  };
}

/** An Alertmanager webhook v4 payload around `alerts`. */
export function alertmanagerPayload(alerts: object[], common: Record<string, string> = {}) {
  return {
    version: '4',
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'kubernaut',
    groupLabels: { alertname: 'KubePodCrashLooping' },
    commonLabels: { cluster: '', ...common },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    alerts,
  };
}

export type RR = {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
  spec: Record<string, any>;
  status?: Record<string, any>;
};

export async function listRRs(namespace: string): Promise<RR[]> {
  const { custom } = kube();
  const list = (await custom.listNamespacedCustomObject({
    group: API_GROUP,
    version: 'v1alpha1',
    namespace,
    plural: 'remediationrequests',
  })) as { items: RR[] };
  return list.items;
}

export async function getRR(namespace: string, name: string): Promise<RR> {
  const { custom } = kube();
  return (await custom.getNamespacedCustomObject({
    group: API_GROUP,
    version: 'v1alpha1',
    namespace,
    plural: 'remediationrequests',
    name,
  })) as RR;
}

/** What the workflow does at the end: a merge patch of status (it never sends a resourceVersion). */
export async function finishRR(namespace: string, name: string, phase = 'Completed') {
  await kubeRequest(
    kube().kc,
    'PATCH',
    `/apis/${API_GROUP}/v1alpha1/namespaces/${namespace}/remediationrequests/${name}/status`,
    { status: { overallPhase: phase } },
    'application/merge-patch+json',
  );
}

export async function auditRows(pool: pg.Pool, correlationId: string) {
  const { rows } = await pool.query(
    `SELECT event_id::text, event_type, event_category, correlation_id, resource_type, resource_id, namespace,
            actor_id, event_data
       FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position`,
    [correlationId],
  );
  return rows;
}
