/**
 * Metrics of the scheduled audit maintenance (workers/audit-maintenance.ts), in the
 * worker's registry (docs/metrics.md). A run counts in the process whose activity
 * ran it; across replicas, aggregate the timestamps with `max` (the alert
 * KubernautAuditMaintenanceStale does).
 *
 * The last-success gauge starts at the worker's start time: a worker just started
 * has had no chance to run yet, so it is not reported stale before two intervals
 * have passed.
 */
import { Counter, Gauge } from 'prom-client';
import type { AuditMaintenanceResult } from '../activities/audit-maintenance.js';
import { workerRegistry } from './metrics.js';

const registers = [workerRegistry];
const now = () => Date.now() / 1000;

export const auditMaintenanceMetrics = {
  interval: new Gauge({
    name: 'kubernaut_audit_maintenance_interval_seconds',
    help: 'Interval of the audit maintenance schedule this worker created or found (0: none)',
    registers,
  }),
  lastRun: new Gauge({
    name: 'kubernaut_audit_maintenance_last_run_timestamp_seconds',
    help: 'When an audit maintenance run last ended in this worker, successful or not (0: none yet)',
    registers,
  }),
  lastSuccess: new Gauge({
    name: 'kubernaut_audit_maintenance_last_success_timestamp_seconds',
    help: 'When an audit maintenance run last succeeded in this worker (the worker start time until one has)',
    registers,
  }),
  partitionsCreated: new Counter({
    name: 'kubernaut_audit_maintenance_partitions_created_total',
    help: 'audit_events partitions created ahead by the maintenance',
    registers,
  }),
  rowsExpired: new Counter({
    name: 'kubernaut_audit_maintenance_rows_expired_total',
    help: 'Audit rows removed by retention (each leaves a tombstone bound to its log leaf)',
    registers,
  }),
  failures: new Counter({
    name: 'kubernaut_audit_maintenance_failures_total',
    help: 'Audit maintenance activity attempts that failed (Temporal retries them)',
    registers,
  }),
};

let started = false;
/** Called at worker start: the schedule's interval, and the start time as the baseline. */
export function auditMaintenanceStarted(intervalMs: number | undefined): void {
  auditMaintenanceMetrics.interval.set(intervalMs ? intervalMs / 1000 : 0);
  if (started) return;
  started = true;
  auditMaintenanceMetrics.lastSuccess.set(now());
}

export function recordAuditMaintenance(outcome: { result?: AuditMaintenanceResult; error?: unknown }): void {
  auditMaintenanceMetrics.lastRun.set(now());
  if (!outcome.result) {
    auditMaintenanceMetrics.failures.inc();
    return;
  }
  auditMaintenanceMetrics.lastSuccess.set(now());
  auditMaintenanceMetrics.partitionsCreated.inc(outcome.result.partitionsCreated);
  auditMaintenanceMetrics.rowsExpired.inc(outcome.result.rowsExpired);
}
