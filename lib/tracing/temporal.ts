/**
 * Temporal's OpenTelemetry interceptors, wired to our SDK (loaded only when tracing
 * is on; workers/runtime.ts imports this module dynamically):
 *
 * - client: starting, signalling or updating a workflow makes a span and passes its
 *   context to the workflow in the call's headers;
 * - workflow (bundled into the traced workflow bundle, workers/workflow-bundle.ts):
 *   the run, every activity and local activity it schedules, signals and updates it
 *   handles, each a span; made inside the sandbox and exported through the
 *   `exporter` sink into our span processor;
 * - activity: each attempt a span under the workflow's, active while the activity
 *   runs (so its Kubernetes writes and audit rows carry the trace).
 */
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Tracing } from './state.js';

export function clientInterceptors() {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

export function workerInterceptors(): WorkerInterceptors {
  return {
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
}

export function workerSinks(t: Tracing): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(t.spanProcessor, t.resource) };
}
