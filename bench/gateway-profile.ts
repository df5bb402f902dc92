/**
 * Where a gateway signal's CPU goes (issue 19: a missed target is explained with the
 * profile that shows it). The loads of the `gateway` figure — new signals, the raw RR
 * creates they are compared with, duplicates into one open RR, and the empty route —
 * each with the CPU it costs split between the API process (the bench process runs
 * it), the kube-apiserver, etcd and PostgreSQL (from /proc, over the load), and the
 * load generator (its own count over its timed part: its start and the building of
 * its bodies are left out). Milliseconds of CPU per answered request; "all of it" is
 * their sum (the kernel's share is counted in the process it runs for).
 *
 * Why it matters: on a machine that runs all of it, a load that uses every core is
 * bounded by the CPU it costs per request. A new signal's CPU against a raw create's
 * is therefore the best ratio the `gateway` figure can show here, whatever the code
 * does in between; the same for a duplicate against the empty route.
 */
import { kubeClients, loadKubeConfig } from '../lib/kube/client.js';
import { remediationRequestsEndpoint } from './apiserver-target.js';
import { type BenchContext, scale } from './context.js';
import { cpuSample, perOperation } from './cpu-split.js';
import { runLoad } from './load.js';
import type { LoadSpec } from './load-child.js';
import { alertmanagerPayload } from './payloads.js';
import { startApi, startEmptyServer } from './servers.js';
import type { FigureRow } from './stats.js';

const CONNECTIONS = 10; // as the gateway figure
const PARTS = ['self', 'apiserver', 'etcd', 'postgres', 'client'] as const;
type Part = (typeof PARTS)[number];
const LABEL: Record<Part, string> = {
  self: 'the API process',
  apiserver: 'kube-apiserver',
  etcd: 'etcd',
  postgres: 'PostgreSQL',
  client: 'the load generator',
};

/** One load, and the CPU per answered request of each part of the machine. */
async function measured(spec: LoadSpec) {
  const before = cpuSample();
  const load = await runLoad(spec);
  const n = load.ok || 1;
  const cpu = perOperation(before, cpuSample(), n);
  const parts: Record<Part, number> = {
    self: cpu.self,
    apiserver: cpu.apiserver,
    etcd: cpu.etcd,
    postgres: cpu.postgres,
    client: load.clientCpuMs / n,
  };
  return { load, parts, all: PARTS.reduce((sum, p) => sum + parts[p], 0) };
}

const row = (figure: string, referenceLabel: string, notes: string[] = []): FigureRow => ({
  figure,
  unit: 'ms CPU',
  values: [],
  reference: [],
  referenceLabel,
  better: 'lower',
  notes,
});

export async function gatewayProfile(ctx: BenchContext): Promise<FigureRow[]> {
  const controllerNamespace = `${ctx.tag}-gwp`;
  const targetNamespace = `${ctx.tag}-shopp`;
  const rawNamespace = `${ctx.tag}-rawp`;
  const core = kubeClients(loadKubeConfig(ctx.kubeconfigPath)).core;
  await core.createNamespace({ body: { metadata: { name: rawNamespace } } });
  const raw = await remediationRequestsEndpoint(ctx.kubeconfigPath, rawNamespace);
  const api = await startApi(ctx, { controllerNamespace });
  const empty = await startEmptyServer();
  const fresh = scale(ctx, 200, 1_000);
  const dups = scale(ctx, 500, 3_000);
  const newRows = Object.fromEntries(
    PARTS.map((p) => [p, row(`gateway new signal, CPU in ${LABEL[p]}`, `raw RR create, ${LABEL[p]}`)]),
  ) as Record<Part, FigureRow>;
  const newMachine = row('gateway new signal, CPU of all of it', 'raw RR create, all of it', [
    `${fresh} new signals and ${fresh} raw creates per run, ${CONNECTIONS} clients; ratio = the CPU a new signal costs per raw create: its inverse bounds the gateway figure's ratio on a machine the load keeps busy`,
  ]);
  const dupRows = Object.fromEntries(
    PARTS.map((p) => [p, row(`gateway duplicate, CPU in ${LABEL[p]}`, `empty route, ${LABEL[p]}`)]),
  ) as Record<Part, FigureRow>;
  const dupMachine = row('gateway duplicate, CPU of all of it', 'empty route, all of it', [
    `${dups} duplicates into one open RR and ${dups} empty-route requests per run, ${CONNECTIONS} clients`,
  ]);
  const headers = { authorization: `Bearer ${api.token}` };
  const url = `${api.url}/api/v1/signals/prometheus`;
  const common = { method: 'POST', connections: CONNECTIONS, timeoutSec: 600 } as const;
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const newBody = { kind: 'signal-new', tag: `pnew-${r}`, namespace: targetNamespace } as const;
      const real = await measured({ ...common, url, headers, amount: fresh, body: newBody });
      const rawRef = await measured({
        ...common,
        url: raw.url,
        headers: raw.headers,
        amount: fresh,
        body: { kind: 'rr-new', tag: `praw-${r}`, namespace: rawNamespace, targetNamespace },
      });
      for (const p of PARTS) {
        newRows[p].values.push(real.parts[p]);
        newRows[p].reference.push(rawRef.parts[p]);
      }
      newMachine.values.push(real.all);
      newMachine.reference.push(rawRef.all);
      newMachine.notes!.push(
        `run ${r}: ${real.load.perSec.toFixed(0)} new signals/s, ${rawRef.load.perSec.toFixed(0)} raw creates/s (${(real.load.perSec / rawRef.load.perSec).toFixed(2)}×)`,
      );

      const dupBody = alertmanagerPayload(targetNamespace, `pdup-${r}`, new Date().toISOString());
      const first = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: dupBody,
      });
      if (first.status !== 201)
        throw new Error(`priming signal answered ${first.status}: ${await first.text()}`);
      const static_ = { kind: 'static', body: dupBody } as const;
      const dup = await measured({ ...common, url, headers, amount: dups, body: static_ });
      const ref = await measured({ ...common, url: `${empty.url}/empty`, amount: dups, body: static_ });
      for (const p of PARTS) {
        dupRows[p].values.push(dup.parts[p]);
        dupRows[p].reference.push(ref.parts[p]);
      }
      dupMachine.values.push(dup.all);
      dupMachine.reference.push(ref.all);
      dupMachine.notes!.push(
        `run ${r}: ${dup.load.perSec.toFixed(0)} duplicates/s (p50 ${dup.load.latencyP50} ms), empty route ${ref.load.perSec.toFixed(0)}/s`,
      );
    }
  } finally {
    await api.close();
    await empty.close();
    for (const name of [controllerNamespace, rawNamespace])
      await core.deleteNamespace({ name }).catch(() => {});
  }
  return [newMachine, ...PARTS.map((p) => newRows[p]), dupMachine, ...PARTS.map((p) => dupRows[p])];
}
