/**
 * What the two signal routes share: the content-type gate (415 before the body is
 * read), the refusal of NUL characters (PostgreSQL cannot store them, and an RR the
 * audit trail cannot record must not be created), running each signal, the status
 * code (201 / 202 / 200, or 207 for several) and the per-source metrics.
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { Gateway } from '../../lib/gateway/ingest.js';
import type { Signal, SignalResult, SignalSource } from '../../lib/gateway/signal.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { remediationLogFields } from '../../lib/tracing/log-fields.js';
import { badRequest, ProblemError } from '../problems.js';

export interface SignalRoutesOptions {
  gateway: Gateway;
  registry: Registry;
  bodyLimit: number;
  maxAlerts: number;
}

export const requireJson: onRequestAsyncHookHandler = async (req) => {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ProblemError(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      `expected application/json, got ${type ? `"${type.slice(0, 100)}"` : 'no content type'}`,
    );
  }
};

export function refuseNul(body: unknown) {
  if (JSON.stringify(body).includes('\\u0000')) {
    throw badRequest('the payload contains a NUL character, which cannot be stored');
  }
}

export interface SignalMetrics {
  received: Counter<'source'>;
  created: Counter<'source'>;
  deduplicated: Counter<'source'>;
  rejected: Counter<'source' | 'reason'>;
}

/** Registered once per app registry (both routes share it). */
export function signalMetrics(registry: Registry): SignalMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] });
  return {
    received: counter('kubernaut_gateway_signals_received_total', 'Signals received, by source', ['source']),
    created: counter('kubernaut_gateway_signals_created_total', 'Signals that created a RemediationRequest', [
      'source',
    ]),
    deduplicated: counter(
      'kubernaut_gateway_signals_deduplicated_total',
      'Signals counted on an open RemediationRequest',
      ['source'],
    ),
    rejected: counter('kubernaut_gateway_signals_rejected_total', 'Signals refused, by source and reason', [
      'source',
      'reason',
    ]),
  };
}

/**
 * Runs the signals concurrently and answers. A fault of Kubernetes or PostgreSQL
 * fails the whole request with 503 so the sender retries it; what was already done
 * is then counted again as duplicates, never created twice.
 */
export async function handleSignals(
  app: FastifyInstance,
  req: FastifyRequest,
  gateway: Gateway,
  metrics: SignalMetrics,
  source: SignalSource,
  signals: Signal[],
) {
  const ctx = { submittedBy: req.identity!.name, receivedAt: new Date() };
  metrics.received.inc({ source }, signals.length);
  let results: SignalResult[];
  try {
    results = await Promise.all(signals.map((s) => gateway.ingest(s, ctx)));
  } catch (err) {
    app.log.error({ err }, 'signal ingestion failed');
    throw new ProblemError(
      503,
      'service-unavailable',
      'Service Unavailable',
      'the signal could not be processed now (Kubernetes or PostgreSQL failed); retry later',
    );
  }
  const summary = { created: 0, deduplicated: 0, rejected: 0 };
  for (const r of results) {
    summary[r.outcome]++;
    if (r.remediationRequest) {
      const { namespace, name } = r.remediationRequest;
      req.log
        .child(remediationLogFields({ namespace, name, workflowId: workflowIdFor(namespace, name) }))
        .info({ source, outcome: r.outcome, occurrenceCount: r.occurrenceCount }, `signal ${r.outcome}`);
    }
    if (r.outcome === 'rejected') metrics.rejected.inc({ source, reason: r.reason ?? 'unknown' });
    else metrics[r.outcome].inc({ source });
  }
  const body = { results: results.map((r, index) => ({ index, ...r })), summary };
  if (results.length > 1) return { status: 207, body };
  const status = { created: 201, deduplicated: 202, rejected: 200 }[results[0]!.outcome];
  return { status, body };
}
