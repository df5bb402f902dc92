/**
 * Where and as whom the raw-create reference POSTs RemediationRequests: the
 * kube-apiserver of the kubeconfig the bench runs against, with its credentials as
 * request headers (the load generator sends headers, not a kubeconfig). The load
 * generator refuses anything but loopback, so this reference exists for the
 * embedded stack only.
 */
import type { RequestOptions } from 'node:https';
import { API_GROUP } from '../lib/domain.js';
import { loadKubeConfig } from '../lib/kube/client.js';

export async function remediationRequestsEndpoint(
  kubeconfigPath: string,
  namespace: string,
): Promise<{ url: string; headers: Record<string, string> }> {
  const kc = loadKubeConfig(kubeconfigPath);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const opts: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers = Object.fromEntries(
    Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  if (opts.cert || opts.key || opts.pfx)
    throw new Error('the raw-create reference sends bearer tokens only, not client certificates');
  const path = `/apis/${API_GROUP}/v1alpha1/namespaces/${encodeURIComponent(namespace)}/remediationrequests`;
  return { url: new URL(path, cluster.server).toString(), headers };
}
