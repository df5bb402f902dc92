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
import { type BenchContext, scale } from './context.js';
import { cpuSample, perOperation } from './cpu-split.js';
import { gatewayBench } from './gateway-setup.js';
import { runLoad } from './load.js';
import type { LoadSpec } from './load-child.js';
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

type Measured = Awaited<ReturnType<typeof measured>>;

/** One run's split into the per-part rows and the total row: the figure's load against its reference's. */
function record(rows: Record<Part, FigureRow>, total: FigureRow, real: Measured, reference: Measured) {
  for (const p of PARTS) {
    rows[p].values.push(real.parts[p]);
    rows[p].reference.push(reference.parts[p]);
  }
  total.values.push(real.all);
  total.reference.push(reference.all);
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
  const gw = await gatewayBench(ctx, 'p');
  const { raw, empty, headers, url, rawNamespace, targetNamespace } = gw;
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
      record(newRows, newMachine, real, rawRef);
      newMachine.notes!.push(
        `run ${r}: ${real.load.perSec.toFixed(0)} new signals/s, ${rawRef.load.perSec.toFixed(0)} raw creates/s (${(real.load.perSec / rawRef.load.perSec).toFixed(2)}×)`,
      );

      const dupBody = await gw.openOne(`pdup-${r}`);
      const static_ = { kind: 'static', body: dupBody } as const;
      const dup = await measured({ ...common, url, headers, amount: dups, body: static_ });
      const ref = await measured({ ...common, url: `${empty.url}/empty`, amount: dups, body: static_ });
      record(dupRows, dupMachine, dup, ref);
      dupMachine.notes!.push(
        `run ${r}: ${dup.load.perSec.toFixed(0)} duplicates/s (p50 ${dup.load.latencyP50} ms), empty route ${ref.load.perSec.toFixed(0)}/s`,
      );
    }
  } finally {
    await gw.close();
  }
  return [newMachine, ...PARTS.map((p) => newRows[p]), dupMachine, ...PARTS.map((p) => dupRows[p])];
}
