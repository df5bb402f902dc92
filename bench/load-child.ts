/**
 * The load generator, run as its own process (node --import tsx bench/load-child.ts,
 * the JSON spec on stdin: it may hold a bearer token, which argv would show to every
 * user of the machine) so the client never shares an event loop with the server it
 * measures. Bodies are generated before the clock starts (deterministic, seeded),
 * so the measured window holds only sending and answering. Prints one JSON line.
 */
import autocannon from 'autocannon';
import { kubernautTrail } from './kubernaut-trail.js';
import { alertmanagerPayload } from './payloads.js';
import { gatewayLikeRemediationRequest } from './rr-body.js';
import { seedOf } from './stats.js';
import { remediationTrail } from './trail.js';

/** Our trail (bench/trail.ts) or its Kubernaut-valid variant (bench/kubernaut-trail.ts). */
export type TrailShape = 'ours' | 'kubernaut';

export type BodyGenerator =
  | { kind: 'static'; body: string }
  /** A batch of `size` events: size/10 complete trails with fresh correlation ids. */
  | { kind: 'audit-batch'; size: number; tag: string; t0: number; shape?: TrailShape }
  /** One event per request, each the genesis of a fresh correlation. */
  | { kind: 'audit-single'; tag: string; t0: number; shape?: TrailShape }
  /** An Alertmanager webhook whose deployment label is new for every request. */
  | { kind: 'signal-new'; tag: string; namespace: string }
  /** A RemediationRequest as the gateway creates it for 'signal-new', posted to the apiserver as is. */
  | { kind: 'rr-new'; tag: string; namespace: string; targetNamespace: string };

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  connections: number;
  /** Total requests: the run is bounded in count... */
  amount: number;
  /** ...and the parent kills this process after this long. */
  timeoutSec: number;
  body?: BodyGenerator;
}

export interface LoadSummary {
  ok: number;
  non2xx: number;
  errors: number;
  durationSec: number;
  perSec: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  /** Responses by status code: a 2xx is not always a stored write (Kubernaut's 202 is its DLQ). */
  statusCodes: Record<string, number>;
  /** The load generator's own CPU over the timed part, ms (its start and body building excluded). */
  clientCpuMs: number;
}

function bodies(spec: LoadSpec): string[] {
  const g = spec.body;
  if (!g) return [];
  if (g.kind === 'static') return [g.body];
  const out: string[] = [];
  for (let n = 0; n < spec.amount; n++) {
    if (g.kind === 'audit-batch') {
      const trail = g.shape === 'kubernaut' ? kubernautTrail : remediationTrail;
      const events = [];
      for (let j = 0; j < g.size / 10; j++) {
        const id = `${g.tag}-${n}-${j}`;
        events.push(...trail(id, seedOf(id), g.t0));
      }
      out.push(JSON.stringify(events));
    } else if (g.kind === 'audit-single') {
      const trail = g.shape === 'kubernaut' ? kubernautTrail : remediationTrail;
      const id = `${g.tag}-${n}`;
      out.push(JSON.stringify(trail(id, seedOf(id), g.t0)[0]));
    } else if (g.kind === 'rr-new') {
      out.push(gatewayLikeRemediationRequest(g.namespace, g.targetNamespace, `${g.tag}-${n}`, new Date()));
    } else {
      out.push(alertmanagerPayload(g.namespace, `${g.tag}-${n}`, new Date().toISOString()));
    }
  }
  return out;
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stream) s += chunk;
  return s;
}

async function main() {
  const spec = JSON.parse(await text(process.stdin)) as LoadSpec;
  // HTTPS too: the raw-create reference talks to the embedded kube-apiserver on loopback.
  if (!/^https?:\/\/127\.0\.0\.1:\d+\//.test(spec.url))
    throw new Error(`only 127.0.0.1 targets: ${spec.url}`);
  const pre = bodies(spec);
  let i = 0;
  // Our own clock, stopped at the last response: autocannon only notices that the
  // amount is done at its next one-second sample tick, so its end (and a clock read
  // after it) rounds every run up to whole seconds.
  const started = process.hrtime.bigint();
  const cpuAtStart = process.cpuUsage();
  let finished = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        amount: spec.amount,
        timeout: spec.timeoutSec,
        headers: { 'content-type': 'application/json', ...spec.headers },
        requests: [
          {
            method: spec.method,
            ...(pre.length ? { setupRequest: (req) => ({ ...req, body: pre[i++ % pre.length] }) } : {}),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', () => {
      finished = process.hrtime.bigint();
    });
  });
  const elapsed = Number(finished - started) / 1e9;
  const cpu = process.cpuUsage(cpuAtStart);
  const ok = result['2xx'];
  const summary: LoadSummary = {
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSec: elapsed,
    perSec: ok / elapsed,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMean: result.latency.mean,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
    ),
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
