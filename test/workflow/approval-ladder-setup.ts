/**
 * The shared setup of the approval-ladder tests (invariant I10, docs/invariants.md;
 * approval-ladder-*.test.ts): the API with token users alice, carol, dave, erin and
 * mallory (all but alice in group sre), update rights on the test namespace's
 * Deployments for all but mallory, RAR-answering rights for the stack's kubectl users,
 * and the helpers the tests drive a remediation with — an approval policy, an RR
 * played to AwaitingApproval, decisions through the API, kubectl and the CLI, and
 * the audit trail. Call it in a describe body: it registers that describe's hooks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { buildApp } from '../../api/app.js';
import { CREATED_BY_ANNOTATION } from '../../lib/approval-ladder.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { statusQuery, workflowIdFor } from '../../lib/remediation-messages.js';
import type { RemediationView } from '../../lib/remediation-view.js';
import { kubeconfig } from '../../stack/kube.js';
import { runCli } from '../harness/cli.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube, stackInfo, uniqueName } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';

export const RAR_PLURAL = 'remediationapprovalrequests';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** `label` names the recorded histories (RECORD_HISTORIES=1): one per test file. */
export function useApprovalLadder(label: string) {
  const h = useRemediationHarness();
  let client!: Client;
  let app!: FastifyInstance;
  let apiUrl: string;
  const tmp = mkdtempSync(join(tmpdir(), 'ladder-'));
  let policyName: string | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const connection = await Connection.connect({ address: stackInfo().temporalAddress });
    client = new Client({ connection, namespace: stackInfo().temporalNamespace });
    const token = (name: string, groups?: string[]) => ({
      token: `${name}-token`,
      name,
      roles: ['approver' as const],
      kind: 'user' as const,
      ...(groups ? { groups } : {}),
    });
    app = await buildApp({
      pool: h.pool,
      temporal: client,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [
          token('alice'),
          token('carol', ['sre']),
          token('dave', ['sre']),
          token('erin', ['sre']),
          token('mallory', ['sre']),
        ],
      },
    });
    apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    // Update rights on Deployments in the test namespace for everyone but mallory
    // (bound by name, not by group: mallory's sre membership gives her none).
    const { kc } = kube();
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/roles`, {
      metadata: { name: 'target-updaters' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'update'] }],
    });
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/rolebindings`, {
      metadata: { name: 'target-updaters' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'target-updaters' },
      subjects: ['alice', 'carol', 'dave', 'erin'].map((name) => ({
        kind: 'User',
        apiGroup: 'rbac.authorization.k8s.io',
        name,
      })),
    });
    // kubectl users (the stack's static-token users): they answer RARs and create RRs.
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/roles`, {
      metadata: { name: 'rar-responders' },
      rules: [
        { apiGroups: ['kubernaut.ai'], resources: ['remediationapprovalrequests'], verbs: ['get'] },
        {
          apiGroups: ['kubernaut.ai'],
          resources: ['remediationapprovalrequests/status'],
          verbs: ['get', 'patch'],
        },
        { apiGroups: ['kubernaut.ai'], resources: ['remediationrequests'], verbs: ['create'] },
      ],
    });
    await kubeRequest(kc, 'POST', `${RBAC}/namespaces/${h.namespace}/rolebindings`, {
      metadata: { name: 'rar-responders' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rar-responders' },
      subjects: stackInfo().kubeUsers.map((u) => ({
        kind: 'User',
        apiGroup: 'rbac.authorization.k8s.io',
        name: u.name,
      })),
    });
    // RBAC reaches the authorizer through its informer: wait until both are in force.
    await eventually('RBAC in force', async () => {
      const sar = async (user: string, resource: string, group: string, subresource?: string) =>
        (
          (await kubeRequest(kc, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
            spec: {
              user,
              resourceAttributes: { namespace: h.namespace, verb: 'patch', group, resource, subresource },
            },
          })) as { status?: { allowed?: boolean } }
        ).status?.allowed;
      const update = (
        (await kubeRequest(kc, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          spec: {
            user: 'carol',
            resourceAttributes: {
              namespace: h.namespace,
              verb: 'update',
              group: 'apps',
              resource: 'deployments',
            },
          },
        })) as { status?: { allowed?: boolean } }
      ).status?.allowed;
      return update && (await sar('bob', RAR_PLURAL, 'kubernaut.ai', 'status'));
    });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await recordHistories(client, label, h.created);
    await app?.close();
    await client?.connection.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Replaces the namespace's approval policy (read by each remediation when it reaches approval). */
  async function usePolicy(approval: Record<string, unknown>) {
    if (policyName) await deletePolicy(policyName);
    policyName = uniqueName('ladder');
    await h.objects.create('remediationpolicies', h.namespace, {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'RemediationPolicy',
      metadata: { name: policyName, namespace: h.namespace },
      spec: { approval },
    } as KubeObject);
  }
  const deletePolicy = (name: string) =>
    kube()
      .custom.deleteNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace: h.namespace,
        plural: 'remediationpolicies',
        name,
      })
      .catch(() => {});

  /** An RR created (as dave says the annotation) and played to AwaitingApproval. */
  async function awaiting(createdBy = 'dave', more: Record<string, string> = {}): Promise<string> {
    return h.awaitingApproval({ annotations: { [CREATED_BY_ANNOTATION]: createdBy, ...more } });
  }

  const rar = async (rr: string) => (await h.objects.get(RAR_PLURAL, h.namespace, `rar-${rr}`))!;
  const rarStatus = async (rr: string) => ((await rar(rr)).status ?? {}) as Record<string, unknown>;
  const decide = (rr: string, who: string, decision: 'approve' | 'reject' = 'approve', reason?: string) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/remediation-requests/${h.namespace}/${rr}/${decision}`,
      payload: reason ? { reason } : {},
      headers: { authorization: `Bearer ${who}-token` },
    });
  const audit = h.auditRows;
  const auditAll = (rr: string, type: string) =>
    audit(rr).then((rows) => rows.filter((e) => e.event_type === type));
  const view = (rr: string) =>
    client.workflow.getHandle(workflowIdFor(h.namespace, rr)).query(statusQuery) as Promise<RemediationView>;

  /** A client acting as one of the stack's static-token users (what `kubectl --token` would be). */
  function kubectlAs(user: string): k8s.KubeConfig {
    const u = stackInfo().kubeUsers.find((x) => x.name === user)!;
    const path = join(tmp, `${user}.kubeconfig`);
    const cluster = kube().kc.getCurrentCluster()!;
    const ca = stackInfo().kubeCaPem ?? Buffer.from(cluster.caData ?? '', 'base64').toString('utf8');
    writeFileSync(path, kubeconfig(stackInfo().kubeServer ?? cluster.server, ca, user, u.token), {
      mode: 0o600,
    });
    return loadKubeConfig(path);
  }
  /** `kubectl patch rar … --subresource=status --type=json -p '[{"op":"add","path":"/status/responses/-",…}]'` */
  const respond = (kc: k8s.KubeConfig, rr: string, response: Record<string, unknown>) =>
    kubeRequest(
      kc,
      'PATCH',
      `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/${RAR_PLURAL}/rar-${rr}/status`,
      [{ op: 'add', path: '/status/responses/-', value: response }],
      'application/json-patch+json',
    );

  /** The `kubernaut` CLI, against Temporal, or through the API with `token`'s identity. */
  const cli = (args: string[], token?: string) =>
    runCli(args, {
      TEMPORAL_ADDRESS: stackInfo().temporalAddress,
      TEMPORAL_NAMESPACE: stackInfo().temporalNamespace,
      KUBERNAUT_NAMESPACE: h.namespace,
      ...(token ? { KUBERNAUT_API_URL: apiUrl, KUBERNAUT_API_TOKEN: `${token}-token` } : {}),
    });

  /** `kubernaut pending`, as JSON and as the table people read. */
  async function cliPending() {
    const run = async (args: string[]) => {
      const r = await cli(['pending', ...args]);
      if (r.code !== 0) throw new Error(r.stderr);
      return r.stdout;
    };
    return eventually('pending to list the remediation', async () => {
      const json = JSON.parse(await run(['-o', 'json'])) as (Record<string, unknown> & { name: string })[];
      if (!json.some((p) => p.tier !== undefined)) return undefined;
      return { json, table: await run([]) };
    });
  }

  return {
    h,
    cleanups,
    usePolicy,
    deletePolicy,
    awaiting,
    rar,
    rarStatus,
    decide,
    audit,
    auditAll,
    view,
    kubectlAs,
    respond,
    cli,
    cliPending,
    get client() {
      return client;
    },
    /** The namespace's approval policy now, if any (usePolicy). */
    get policyName() {
      return policyName;
    },
    set policyName(name: string | undefined) {
      policyName = name;
    },
  };
}
