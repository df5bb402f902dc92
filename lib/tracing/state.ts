/**
 * Whether this process traces, and the SDK when it does. Everything else in
 * lib/tracing asks `tracing()` first and does nothing when it is undefined; the
 * SDK's packages are loaded (dynamically, by `startTracing`) only when
 * OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, so a
 * process without tracing does not even load them.
 */
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends every finished span now (before a test reads the backend, before exit). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Name of the tracer our own spans (launcher, controllers, child watchers) come from. */
export const TRACER_NAME = 'kubernaut-temporal';

let current: Tracing | undefined;
let starting: Promise<Tracing | undefined> | undefined;

/** The running SDK, or undefined when tracing is off. */
export function tracing(): Tracing | undefined {
  return current;
}

export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Where spans go: the signal-specific variable as given, else the base URL + /v1/traces (the OTLP spec's rule). */
export function tracesUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Starts the SDK if tracing is configured; once per process (the API and the
 * worker share it when they run in one process, as in `npm start` and the tests).
 * `serviceName` applies unless OTEL_SERVICE_NAME says otherwise.
 */
export async function startTracing(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Tracing | undefined> {
  if (!tracingConfigured(env)) return undefined;
  starting ??= import('./sdk.js').then(({ createSdk }) => {
    const sdk = createSdk(env.OTEL_SERVICE_NAME || serviceName, tracesUrl(env));
    current = {
      ...sdk,
      async shutdown() {
        current = undefined;
        starting = undefined;
        await sdk.shutdown();
      },
    };
    return current;
  });
  return starting;
}
