/**
 * Audit store write health, the same two metrics in the API and the worker (both
 * write audit events; Prometheus tells them apart by job): how long each write to
 * PostgreSQL takes and how many fail. A wrapper around any AuditWriter, so the
 * writer itself stays free of metrics.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { AuditConflictError } from '../audit/idempotency.js';
import type { AuditWriter } from '../audit/types.js';

function metricsIn(registry: Registry) {
  const failures =
    (registry.getSingleMetric('kubernaut_audit_write_failures_total') as Counter | undefined) ??
    new Counter({
      name: 'kubernaut_audit_write_failures_total',
      help: 'Audit writes (one call: an event or a batch) that failed; the caller retries or answers 503',
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric('kubernaut_audit_write_duration_seconds') as Histogram | undefined) ??
    new Histogram({
      name: 'kubernaut_audit_write_duration_seconds',
      help: 'Time of one audit write (an event or a batch) to PostgreSQL, failed ones included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  return { failures, duration };
}

export function instrumentAuditWriter(writer: AuditWriter, registry: Registry): AuditWriter {
  const m = metricsIn(registry);
  return {
    async write(events) {
      const end = m.duration.startTimer();
      try {
        return await writer.write(events);
      } catch (err) {
        // A conflicting id is the caller's mistake (answered 409), not a failed write.
        if (!(err instanceof AuditConflictError)) m.failures.inc();
        throw err;
      } finally {
        end();
      }
    },
  };
}
