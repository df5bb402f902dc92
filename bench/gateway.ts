/**
 * Gateway signals/s through POST /api/v1/signals/prometheus, for new signals (each
 * request a new deployment: owner resolution, claim row, RR create, audit) and for
 * duplicates (one open RR: deduplication count and audit), against the same client
 * and bodies on an empty Fastify route.
 */
import { kubeClients, loadKubeConfig } from '../lib/kube/client.js';
import { type BenchContext, scale } from './context.js';
import { runLoad } from './load.js';
import { alertmanagerPayload } from './payloads.js';
import { startApi, startEmptyServer } from './servers.js';
import type { FigureRow } from './stats.js';

const CONNECTIONS = 10;

export async function gatewaySignals(ctx: BenchContext): Promise<FigureRow[]> {
  const controllerNamespace = `${ctx.tag}-gw`;
  const targetNamespace = `${ctx.tag}-shop`;
  const api = await startApi(ctx, { controllerNamespace });
  const empty = await startEmptyServer();
  const fresh = scale(ctx, 200, 2_000);
  const dups = scale(ctx, 500, 5_000);
  const base = {
    unit: 'signals/s',
    referenceLabel: 'empty route',
    better: 'higher' as const,
    target: '≥ 0.5×',
    met: (_m: number, ratio: number) => ratio >= 0.5,
  };
  const rowNew: FigureRow = {
    ...base,
    figure: 'gateway signals/s, new',
    values: [],
    reference: [],
    notes: [`${fresh} new signals per run, ${CONNECTIONS} clients`],
  };
  const rowDup: FigureRow = {
    ...base,
    figure: 'gateway signals/s, duplicate',
    values: [],
    reference: [],
    notes: [`${dups} duplicates per run, ${CONNECTIONS} clients`],
  };
  const headers = { authorization: `Bearer ${api.token}` };
  const url = `${api.url}/api/v1/signals/prometheus`;
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const newBody = { kind: 'signal-new', tag: `new-${r}`, namespace: targetNamespace } as const;
      const real = await runLoad({
        url,
        method: 'POST',
        headers,
        connections: CONNECTIONS,
        amount: fresh,
        timeoutSec: 600,
        body: newBody,
      });
      const ref = await runLoad({
        url: `${empty.url}/empty`,
        method: 'POST',
        connections: CONNECTIONS,
        amount: fresh,
        timeoutSec: 120,
        body: newBody,
      });
      if (real.non2xx || real.errors)
        rowNew.notes!.push(`run ${r}: ${real.non2xx} non-2xx, ${real.errors} errors`);
      rowNew.values.push(real.perSec);
      rowNew.reference.push(ref.perSec);

      // The first signal opens the RR; everything after it is a duplicate.
      const dupBody = alertmanagerPayload(targetNamespace, `dup-${r}`, new Date().toISOString());
      const first = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: dupBody,
      });
      if (first.status !== 201)
        throw new Error(`priming signal answered ${first.status}: ${await first.text()}`);
      const static_ = { kind: 'static', body: dupBody } as const;
      const realDup = await runLoad({
        url,
        method: 'POST',
        headers,
        connections: CONNECTIONS,
        amount: dups,
        timeoutSec: 600,
        body: static_,
      });
      const refDup = await runLoad({
        url: `${empty.url}/empty`,
        method: 'POST',
        connections: CONNECTIONS,
        amount: dups,
        timeoutSec: 120,
        body: static_,
      });
      if (realDup.non2xx || realDup.errors)
        rowDup.notes!.push(`run ${r}: ${realDup.non2xx} non-2xx, ${realDup.errors} errors`);
      rowDup.values.push(realDup.perSec);
      rowDup.reference.push(refDup.perSec);
    }
  } finally {
    await api.close();
    await empty.close();
    // The RRs it created are nobody's: the namespace (and its RRs) go.
    await kubeClients(loadKubeConfig(ctx.kubeconfigPath))
      .core.deleteNamespace({ name: controllerNamespace })
      .catch(() => {});
  }
  return [rowNew, rowDup];
}
