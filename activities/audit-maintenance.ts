/**
 * The audit trail's upkeep, run by the Temporal Schedule of workers/audit-maintenance.ts:
 * create the partitions of the coming months (audit_events has no default partition,
 * so an event dated in a month without one would wait on the writer to make it), and
 * apply retention (lib/audit/retention.ts). Both go through the owner's SECURITY
 * DEFINER functions (migrations/0009, 0010): the worker's role may not create
 * partitions or delete rows itself.
 *
 * Idempotent: a partition that exists is left alone and not counted, and retention
 * finds nothing left to expire on a second run, so Temporal may retry the activity
 * (or two schedule runs overlap) without doing anything twice.
 */
import type pg from 'pg';
import { applyRetention } from '../lib/audit/retention.js';

export interface AuditMaintenanceResult {
  partitionsCreated: number;
  rowsExpired: number;
  byCategory: Record<string, number>;
}

export interface AuditMaintenanceOptions {
  pool: pg.Pool;
  /** Months ahead of the current one that must have a partition (default 3, at most 24). */
  partitionsAhead?: number;
  /** Rows per retention statement (default 1000). */
  retentionBatchSize?: number;
  /** Told of each run, for the metrics (workers/audit-maintenance-metrics.ts). */
  onRun?: (outcome: { result?: AuditMaintenanceResult; error?: unknown }) => void;
}

export function createAuditMaintenanceActivities(opts: AuditMaintenanceOptions) {
  return {
    async runAuditMaintenance(): Promise<AuditMaintenanceResult> {
      try {
        const { rows } = await opts.pool.query<{ created: number }>(
          'SELECT audit_create_partitions_ahead($1) AS created',
          [opts.partitionsAhead ?? 3],
        );
        const retention = await applyRetention(opts.pool, { batchSize: opts.retentionBatchSize });
        const result = {
          partitionsCreated: rows[0]!.created,
          rowsExpired: retention.deleted,
          byCategory: retention.byCategory,
        };
        opts.onRun?.({ result });
        return result;
      } catch (error) {
        opts.onRun?.({ error });
        throw error;
      }
    },
  };
}

export type AuditMaintenanceActivities = ReturnType<typeof createAuditMaintenanceActivities>;
