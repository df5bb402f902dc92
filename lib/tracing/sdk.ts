/**
 * The OpenTelemetry SDK of one process (loaded only when tracing is configured:
 * state.ts). sdk-trace-node 1.x — the line `@temporalio/interceptors-opentelemetry`
 * 1.24 is built on, so the workflow spans it hands to our processor have the shape
 * our exporter reads — with the OTLP/protobuf exporter, sending to the URL state.ts
 * derives from OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT; one batch processor shared by the
 * process's own spans and the workflow spans the Temporal worker collects through
 * its sink. PostgreSQL queries get spans through instrumentation-pg.
 */
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Tracing } from './state.js';

/** `tracesUrl`: the OTLP/HTTP traces endpoint (…/v1/traces). */
export function createSdk(serviceName: string, tracesUrl: string): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }), {
    // Half a second (the SDK's default is 5 s) gets a trace's spans to the backend promptly.
    scheduledDelayMillis: Number(process.env.OTEL_BSP_SCHEDULE_DELAY) || 500,
  });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global tracer provider, AsyncLocalStorage context manager, W3C trace-context propagator.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new PgInstrumentation({ requireParentSpan: true })],
  });
  // pg is CommonJS imported from ESM, which the require hook does not see; requiring
  // it once here lets the hook patch Client.prototype — shared by every pool,
  // whenever it was made.
  createRequire(import.meta.url)('pg');
  return {
    spanProcessor,
    resource,
    flush: () => provider.forceFlush(),
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
    },
  };
}
