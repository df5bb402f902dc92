/**
 * The open-loop load generator, run as its own process (node --import tsx
 * bench/open-loop-child.ts, the JSON spec on stdin). Request i leaves at
 * start + i × interval whatever the earlier ones are doing, as alerts do in a storm,
 * and its answer time runs from that scheduled moment: a closed loop (autocannon)
 * waits for answers before sending more, so a server falling behind would slow the
 * client down instead of showing up as latency (coordinated omission). Bodies are
 * generated before the clock starts. Prints one JSON line.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { alertmanagerPayload, stormOrder } from './payloads.js';
import { percentile, seedOf } from './stats.js';

/** Alertmanager webhooks, one alert each, naming `${prefix}-<k>` for k in stormOrder. */
export interface StormBodies {
  kind: 'storm';
  namespace: string;
  targets: number;
  prefix: string;
  seed: string;
  startsAt: string;
}

export interface OpenLoopSpec {
  url: string;
  headers?: Record<string, string>;
  /** Requests, sent at a fixed rate over `durationSec`. */
  count: number;
  durationSec: number;
  /** A request unanswered after this long counts as an error (at this time). */
  requestTimeoutSec: number;
  /** Connections the client may open (kept alive), as a webhook sender's pool. */
  maxSockets: number;
  bodies: StormBodies;
}

export interface OpenLoopSummary {
  sent: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  /** No answer: connection errors and timeouts. */
  errors: number;
  errorSamples: string[];
  /** From each request's scheduled start to its answer (or failure), ms, over all requests. */
  latencyP50: number;
  latencyP90: number;
  latencyP99: number;
  latencyMax: number;
  /** How late the client itself sent (actual − scheduled, ms): its own share of the latency. */
  sendLateMaxMs: number;
  /** From the first scheduled send to the last answer, s. */
  durationSec: number;
}

function bodies(spec: OpenLoopSpec): string[] {
  const b = spec.bodies;
  return stormOrder(spec.count, b.targets, seedOf(b.seed)).map((k) =>
    alertmanagerPayload(b.namespace, `${b.prefix}-${k}`, b.startsAt),
  );
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const spec = JSON.parse(input) as OpenLoopSpec;
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(spec.url)) throw new Error(`only 127.0.0.1 targets: ${spec.url}`);
  const pre = bodies(spec);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.maxSockets });
  const interval = (spec.durationSec * 1000) / spec.count;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  let sendLateMax = 0;
  let lastAnswer = 0;
  let done = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((r) => {
    allDone = r;
  });
  // A little ahead, so the first requests are not late for the setup of the loop.
  const t0 = performance.now() + 100;

  const send = (i: number) => {
    const scheduled = t0 + i * interval;
    sendLateMax = Math.max(sendLateMax, performance.now() - scheduled);
    let settled = false;
    const settle = (status: number | undefined, error?: Error) => {
      if (settled) return;
      settled = true;
      lastAnswer = performance.now();
      latencies.push(lastAnswer - scheduled);
      if (status !== undefined) statuses[status] = (statuses[status] ?? 0) + 1;
      else {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(String(error?.message ?? error));
      }
      if (++done === spec.count) allDone();
    };
    const body = pre[i]!;
    const req = http.request(spec.url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...spec.headers,
      },
    });
    req.setTimeout(spec.requestTimeoutSec * 1000, () => req.destroy(new Error('timed out')));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => settle(res.statusCode));
      res.on('error', (e) => settle(undefined, e));
    });
    req.on('error', (e) => settle(undefined, e));
    req.end(body);
  };

  // One timer at a time, sending everything that is due: a late tick catches up at once.
  let next = 0;
  const tick = () => {
    while (next < spec.count && t0 + next * interval <= performance.now()) send(next++);
    if (next < spec.count) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
  };
  setTimeout(tick, Math.max(0, t0 - performance.now()));
  await finished;
  agent.destroy();

  const summary: OpenLoopSummary = {
    sent: spec.count,
    statuses,
    errors,
    errorSamples,
    latencyP50: percentile(latencies, 50),
    latencyP90: percentile(latencies, 90),
    latencyP99: percentile(latencies, 99),
    latencyMax: Math.max(...latencies),
    sendLateMaxMs: sendLateMax,
    durationSec: (lastAnswer - t0) / 1000,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
