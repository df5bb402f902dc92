/**
 * Jaeger (the v2 all-in-one of module v1.76.0), the embedded stack's trace backend:
 * OTLP in, in-memory storage, the UI and its query API out. Started only when
 * tracing is asked for (`npm start -- --tracing`, the demo's `--tracing`, the
 * tracing test), so a stack without it pays nothing.
 *
 * Its built-in all-in-one config binds fixed ports (4317/4318, 16686, 8888, 13133,
 * 5778, …) on localhost, so two stacks on one machine would collide; we pass a
 * config of our own with only the parts we use, every port free and on 127.0.0.1,
 * and the collector's own metrics endpoint and the query service's self-tracing
 * (to localhost:4317, whoever listens there) off.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type ManagedProcess, startProcess, waitReady } from './processes.js';

export interface StartedJaeger {
  /** OTLP over HTTP: what OTEL_EXPORTER_OTLP_ENDPOINT points at. */
  otlpEndpoint: string;
  /** The Jaeger UI and its HTTP query API (`/api/traces/{id}`). */
  uiUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export function jaegerConfig(ports: {
  otlpGrpc: number;
  otlpHttp: number;
  query: number;
  queryGrpc: number;
}) {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    # On by default in v2: the query service traces itself to localhost:4317.
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.query}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.otlpGrpc}
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** Starts Jaeger on free loopback ports; retried on new ports if one was taken in between. */
export async function startJaeger(binary: string, workDir: string): Promise<StartedJaeger> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(binary, workDir, attempt);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnFreePorts(binary: string, workDir: string, attempt: number): Promise<StartedJaeger> {
  const ports = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    query: await freePort(),
    queryGrpc: await freePort(),
  };
  const configFile = join(workDir, `jaeger-${attempt}.yaml`);
  writeFileSync(configFile, jaegerConfig(ports));
  const proc = startProcess('jaeger', binary, ['--config', configFile], join(workDir, 'jaeger.log'));
  const uiUrl = `http://127.0.0.1:${ports.query}`;
  const otlpEndpoint = `http://127.0.0.1:${ports.otlpHttp}`;
  await waitReady(proc, 'Jaeger', async () => {
    const [query, otlp] = await Promise.all([
      fetch(`${uiUrl}/api/services`, { signal: AbortSignal.timeout(1000) }),
      // The OTLP receiver answers an empty export with 200 once it listens.
      fetch(`${otlpEndpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(1000),
      }),
    ]);
    return query.ok && otlp.ok;
  });
  // It keeps nothing worth a graceful stop (in-memory store) and takes ~10 s on SIGTERM.
  return { otlpEndpoint, uiUrl, process: proc, stop: () => proc.stop(2000) };
}

/** The Jaeger UI page of one trace. */
export function jaegerTraceUrl(uiUrl: string, traceId: string): string {
  return `${uiUrl}/trace/${traceId}`;
}
