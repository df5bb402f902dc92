/**
 * deploy/'s RBAC is enough for the API, and no more: the API authenticates
 * callers as the kubernaut-api ServiceAccount (TokenReview, roles from
 * SubjectAccessReview against rbac-api-users.yaml), and its gateway resolves an
 * alert's Pod to its Deployment and creates and deduplicates the RR with that
 * identity's rights alone.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { tokenReviewAuthenticator } from '../../api/auth/token-review.js';
import { loadGatewayConfig } from '../../api/gateway-config.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { alertmanagerPayload, deploymentWithPods, podAlert } from '../gateway/gateway-fixtures.js';
import { kube, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import {
  type Access,
  actAs,
  allowed,
  applyAsAdmin,
  describeAccess,
  type Identity,
  untilGranted,
} from './identity.js';
import { rbacFor } from './manifests.js';

describe('deploy/ RBAC: the API as its ServiceAccount', () => {
  let ns: string;
  let api: Identity;
  let caller: Identity;
  let pool: pg.Pool;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    ns = await testNamespace('deploy-api');
    const suffix = uniqueName('t');
    const rbac = rbacFor(ns, suffix);
    // The caller (here the worker's ServiceAccount, standing in for Alertmanager's)
    // gets the writer role the way an operator grants it: a ClusterRoleBinding.
    const writer = rbac.find((m) => m.metadata.name === `kubernaut-api-writer-${suffix}`)!;
    await applyAsAdmin([
      ...rbac,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `kubernaut-alertmanager-${suffix}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: writer.metadata.name },
        subjects: [{ kind: 'ServiceAccount', name: 'kubernaut-worker', namespace: ns }],
      },
    ]);
    api = await actAs(ns, 'kubernaut-api');
    caller = await actAs(ns, 'kubernaut-worker');
    await untilGranted(api.kc, { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' });
    await untilGranted(api.kc, {
      verb: 'create',
      group: 'kubernaut.ai',
      resource: 'remediationrequests',
      namespace: ns,
    });
    await untilGranted(caller.kc, { verb: 'create', group: 'kubernaut.ai', resource: 'auditevents' });

    pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 4 });
    app = await buildApp({
      pool,
      config: {
        tokens: [],
        authenticators: [tokenReviewAuthenticator(api.kc, { roleBindings: {}, accessReview: true })],
        maxBatchSize: 500,
        bodyLimit: 1024 * 1024,
      },
      gateway: {
        kubeConfig: api.kc,
        config: { ...loadGatewayConfig({}), controllerNamespace: ns, ensureNamespace: false },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  const signal = (pod: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/signals/prometheus',
      headers: { authorization: `Bearer ${caller.token}` },
      payload: alertmanagerPayload([podAlert(ns, pod)]),
    });

  it('authenticates a Kubernetes token, resolves the owner and creates, then deduplicates, the RR', async () => {
    const [pod] = await deploymentWithPods(ns, 'web', 1);
    const first = await signal(pod!);
    expect(first.statusCode, first.body).toBe(201);
    const second = await signal(pod!);
    expect(second.statusCode, second.body).toBe(202);

    const { items } = await kubeRequest<{
      items: { spec: { targetResource: { kind: string; name: string } } }[];
    }>(kube().kc, 'GET', `/apis/kubernaut.ai/v1alpha1/namespaces/${ns}/remediationrequests`);
    expect(items).toHaveLength(1);
    expect(items[0]!.spec.targetResource).toMatchObject({ kind: 'Deployment', name: 'web' });
  });

  it('refuses a caller without a role, and grants the API nothing beyond its code', async () => {
    // The API's own token is valid but carries no API role.
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/v1/signals/prometheus',
      headers: { authorization: `Bearer ${api.token}` },
      payload: alertmanagerPayload([podAlert(ns, 'web-0')]),
    });
    expect(anonymous.statusCode).toBe(403);

    const grants: Access[] = [
      { verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
      {
        verb: 'update',
        group: 'kubernaut.ai',
        resource: 'remediationrequests',
        subresource: 'status',
        namespace: ns,
      },
      { verb: 'get', group: 'batch', resource: 'cronjobs', namespace: 'default' },
      { verb: 'get', resource: 'persistentvolumeclaims', namespace: 'default' },
      { verb: 'update', resource: 'configmaps', namespace: ns, name: 'kubernaut-audit-checkpoint' },
      { verb: 'create', resource: 'configmaps', namespace: ns },
    ];
    const denials: Access[] = [
      { verb: 'create', group: 'kubernaut.ai', resource: 'remediationrequests', namespace: 'default' },
      { verb: 'delete', group: 'kubernaut.ai', resource: 'remediationrequests', namespace: ns },
      { verb: 'update', group: 'kubernaut.ai', resource: 'remediationrequests', namespace: ns },
      { verb: 'create', group: 'kubernaut.ai', resource: 'signalprocessings', namespace: ns },
      { verb: 'create', resource: 'namespaces' },
      { verb: 'get', resource: 'secrets', namespace: ns },
      { verb: 'list', resource: 'pods', namespace: ns },
      { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'default' },
      { verb: 'update', resource: 'configmaps', namespace: ns, name: 'kubernaut-config' },
      { verb: 'get', resource: 'configmaps', namespace: ns, name: 'kubernaut-config' },
      { verb: 'create', resource: 'configmaps', namespace: 'default' },
    ];
    for (const a of grants) expect(await allowed(api.kc, a), describeAccess(a)).toBe(true);
    for (const a of denials) expect(await allowed(api.kc, a), describeAccess(a)).toBe(false);
  });
});
