/**
 * Puts deploy/'s RBAC into the test cluster and acts as its ServiceAccounts:
 * apply the (retargeted) objects as the admin, mint a token with the TokenRequest
 * API, and write a kubeconfig that authenticates with it — the same identity a
 * pod of the Deployment would get.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll } from 'vitest';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { kubeconfig } from '../../stack/kube.js';
import { eventually, kube, stackInfo } from '../harness/index.js';
import type { Manifest } from './manifests.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
function collectionPath(m: Manifest): string {
  const ns = m.metadata.namespace as string | undefined;
  switch (m.kind) {
    case 'ServiceAccount':
      return `/api/v1/namespaces/${ns}/serviceaccounts`;
    case 'Role':
      return `${RBAC}/namespaces/${ns}/roles`;
    case 'RoleBinding':
      return `${RBAC}/namespaces/${ns}/rolebindings`;
    case 'ClusterRole':
      return `${RBAC}/clusterroles`;
    case 'ClusterRoleBinding':
      return `${RBAC}/clusterrolebindings`;
    default:
      throw new Error(`cannot apply a ${m.kind}`);
  }
}

/** Creates the objects as the admin; cluster-scoped ones are deleted after the file. */
export async function applyAsAdmin(manifests: Manifest[]) {
  const { kc } = kube();
  for (const m of manifests) await kubeRequest(kc, 'POST', collectionPath(m), m);
  afterAll(async () => {
    for (const m of manifests.filter((x) => !x.metadata.namespace))
      await kubeRequest(kc, 'DELETE', `${collectionPath(m)}/${m.metadata.name}`).catch(() => {});
  });
}

export interface Identity {
  token: string;
  kubeconfigPath: string;
  kc: k8s.KubeConfig;
}

/** A token for the ServiceAccount (TokenRequest) and a kubeconfig that uses it. */
// The kubeconfig folders written by actAs, removed when the importing test file ends.
const kubeconfigDirs: string[] = [];
afterAll(() => {
  for (const dir of kubeconfigDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export async function actAs(namespace: string, serviceAccount: string): Promise<Identity> {
  const { core, kc: adminKc } = kube();
  const req = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = req.status?.token;
  if (!token) throw new Error(`no token for ServiceAccount ${namespace}/${serviceAccount}`);
  const cluster = adminKc.getCurrentCluster()!;
  const server = stackInfo().kubeServer ?? cluster.server;
  const ca = stackInfo().kubeCaPem ?? Buffer.from(cluster.caData ?? '', 'base64').toString('utf8');
  const dir = mkdtempSync(join(tmpdir(), 'kubernaut-deploy-'));
  kubeconfigDirs.push(dir);
  const kubeconfigPath = join(dir, `${serviceAccount}.kubeconfig`);
  writeFileSync(
    kubeconfigPath,
    kubeconfig(server, ca, `system:serviceaccount:${namespace}:${serviceAccount}`, token),
    {
      mode: 0o600,
    },
  );
  return { token, kubeconfigPath, kc: loadKubeConfig(kubeconfigPath) };
}

export type Access = {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
};

/** Asks the API server whether this identity may do it (SelfSubjectAccessReview: RBAC itself answers). */
export async function allowed(kc: k8s.KubeConfig, a: Access): Promise<boolean> {
  const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { ...a, group: a.group ?? '' } } },
  });
  return review.status?.allowed === true;
}

/** RBAC bindings reach the authorizer through its informer: wait until one is in force. */
export function untilGranted(kc: k8s.KubeConfig, a: Access) {
  return eventually(`${a.verb} ${a.resource} to be granted`, () => allowed(kc, a), 10_000, 50);
}

export const describeAccess = (a: Access) =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` in ${a.namespace}` : ' (cluster)'}`;
