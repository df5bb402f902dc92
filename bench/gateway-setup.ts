/**
 * What the gateway figures (`gateway`, `gateway-profile`) run against: the API with its
 * gateway on, the raw-create endpoint of the same kube-apiserver in a namespace of its
 * own (so neither load finds the other's RRs), an empty Fastify route, and the way to
 * open the one RR the duplicates then count into.
 */
import { kubeClients, loadKubeConfig } from '../lib/kube/client.js';
import { remediationRequestsEndpoint } from './apiserver-target.js';
import type { BenchContext } from './context.js';
import { alertmanagerPayload } from './payloads.js';
import { startApi, startEmptyServer } from './servers.js';

export async function gatewayBench(ctx: BenchContext, suffix: string) {
  const controllerNamespace = `${ctx.tag}-gw${suffix}`;
  const targetNamespace = `${ctx.tag}-shop${suffix}`;
  const rawNamespace = `${ctx.tag}-raw${suffix}`;
  const core = kubeClients(loadKubeConfig(ctx.kubeconfigPath)).core;
  await core.createNamespace({ body: { metadata: { name: rawNamespace } } });
  const raw = await remediationRequestsEndpoint(ctx.kubeconfigPath, rawNamespace);
  const api = await startApi(ctx, { controllerNamespace });
  const empty = await startEmptyServer();
  const headers = { authorization: `Bearer ${api.token}` };
  const url = `${api.url}/api/v1/signals/prometheus`;
  return {
    targetNamespace,
    rawNamespace,
    raw,
    empty,
    headers,
    url,
    /** Opens the RR of a fresh alert (201) and answers its body: every later copy is a duplicate. */
    async openOne(tag: string): Promise<string> {
      const body = alertmanagerPayload(targetNamespace, tag, new Date().toISOString());
      const first = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      if (first.status !== 201)
        throw new Error(`priming signal answered ${first.status}: ${await first.text()}`);
      return body;
    },
    async close() {
      await api.close();
      await empty.close();
      // The RRs it created are nobody's: the namespaces (and their RRs) go.
      for (const name of [controllerNamespace, rawNamespace])
        await core.deleteNamespace({ name }).catch(() => {});
    },
  };
}
