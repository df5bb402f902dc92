/**
 * The audit log's gauges, read from the log service at scrape time: the size of the
 * newest checkpoint this process knows, and whether the sequencer refuses to sign
 * (the stored log does not extend its anchor: docs/audit-log.md). The second one is
 * the one to alert on: while it is 1, events queue up and nothing is vouched for.
 */
import { Gauge, type Registry } from 'prom-client';
import type { AuditLogStatus } from './log-service.js';

export function auditLogMetrics(registry: Registry, log: { status(): AuditLogStatus }): void {
  new Gauge({
    name: 'kubernaut_audit_log_tree_size',
    help: 'Entries in the newest signed audit-log checkpoint this process knows',
    registers: [registry],
    collect() {
      this.set(log.status().tree_size ?? 0);
    },
  });
  new Gauge({
    name: 'kubernaut_audit_log_signing_refused',
    help: '1 while the audit-log sequencer refuses to sign because the stored log does not extend its anchor',
    registers: [registry],
    collect() {
      this.set(log.status().ok ? 0 : 1);
    },
  });
}
