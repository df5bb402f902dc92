/**
 * The audit maintenance schedule (workers/audit-maintenance.ts): the worker creates it
 * at start, idempotently; triggering it through the Temporal client (no waiting for
 * the interval) creates the partitions ahead and expires an old row through the
 * retention function, with the metrics moving; a second run does nothing. On a
 * database of its own: retention here must not prune rows other suites check.
 */
import type { Client } from '@temporalio/client';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditMaintenanceResult } from '../../activities/audit-maintenance.js';
import { createAuditWriter, verifyChain } from '../../lib/audit/index.js';
import { ensureAuditMaintenanceSchedule } from '../../workers/audit-maintenance.js';
import { workerRegistry } from '../../workers/metrics.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../workers/runtime.js';
import { eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { parseMetrics, sampleSum } from '../harness/metrics-text.js';
import { quietIntervalMs } from '../harness/quiet-interval.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { freshAuditDatabase } from './audit-log-fixtures.js';

// About an hour; no scheduled run may come while the tests trigger and count theirs.
const INTERVAL = quietIntervalMs(3_600_000);
const AHEAD = 6;

describe('audit maintenance schedule', async () => {
  const { urls } = await freshAuditDatabase();
  const scheduleId = uniqueName('audit-maintenance-test');
  const taskQueue = uniqueName('audit-maintenance');
  const pool = new pg.Pool({ connectionString: urls.writer, max: 2 });
  // Its database is dropped WITH (FORCE) after the file: an idle connection ended then is expected.
  pool.on('error', () => {});
  let runtime: WorkerRuntime;
  let client: Client;

  beforeAll(async () => {
    runtime = await startWorkerRuntime({
      temporalAddress: stackInfo().temporalAddress,
      temporalNamespace: stackInfo().temporalNamespace,
      databaseUrl: urls.writer,
      kubeconfigPath: stackInfo().kubeconfigPath,
      taskQueue,
      watchNamespace: await testNamespace('maint'),
      controllers: { enabled: [], logger: pino({ level: 'silent' }) },
      auditMaintenance: { intervalMs: INTERVAL, partitionsAhead: AHEAD, scheduleId },
      log: () => {},
    });
    client = runtime.client;
  });
  afterAll(async () => {
    await client?.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => {});
    await runtime?.stop();
    await pool.end();
  });

  const metrics = async () => parseMetrics(await workerRegistry.metrics());
  const partitionExists = async (monthsAhead: number) => {
    const { rows } = await pool.query<{ t: string | null }>(
      `SELECT to_regclass(format('audit_events_%s',
                to_char(date_trunc('month', now()) + make_interval(months => $1), 'YYYY_MM')))::text AS t`,
      [monthsAhead],
    );
    return rows[0]!.t !== null;
  };

  /** Triggers the schedule and answers the result of the run it started. */
  async function trigger(): Promise<AuditMaintenanceResult> {
    const handle = client.schedule.getHandle(scheduleId);
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    const action = await eventually(
      'the triggered run to be started',
      async () => (await handle.describe()).info.recentActions[before],
      30_000,
    );
    return client.workflow.getHandle(action.action.workflow.workflowId).result();
  }

  it('exists after worker start, and creating it again changes nothing unless the interval does', async () => {
    const d = await client.schedule.getHandle(scheduleId).describe();
    expect(d.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'auditMaintenanceWorkflow',
      taskQueue,
    });
    expect(d.spec.intervals).toEqual([expect.objectContaining({ every: INTERVAL })]);
    expect(d.policies.overlap).toBe('SKIP');
    expect(
      await ensureAuditMaintenanceSchedule(client, { scheduleId, intervalMs: INTERVAL, taskQueue }),
    ).toBe('unchanged');
    expect(
      await ensureAuditMaintenanceSchedule(client, { scheduleId, intervalMs: 2 * INTERVAL, taskQueue }),
    ).toBe('updated');
    expect((await client.schedule.getHandle(scheduleId).describe()).spec.intervals?.[0]?.every).toBe(
      2 * INTERVAL,
    );
    expect(
      await ensureAuditMaintenanceSchedule(client, { scheduleId, intervalMs: INTERVAL, taskQueue }),
    ).toBe('updated');
    const gauge = sampleSum(await metrics(), 'kubernaut_audit_maintenance_interval_seconds');
    expect(gauge).toBe(INTERVAL / 1000);
  });

  it('a triggered run creates the partitions ahead and expires an old row; a second run is a no-op', async () => {
    // Migrations made this month and the next three; the schedule keeps six ahead.
    for (const m of [4, 5, 6]) expect(await partitionExists(m), `month +${m}`).toBe(false);
    const cid = newCorrelation();
    const old = auditEvent(cid, {
      event_timestamp: new Date(Date.now() - 40 * 86_400_000).toISOString(),
      retention_days: 30,
    });
    const kept = auditEvent(cid);
    await createAuditWriter(pool).write([old, kept]);
    const before = await metrics();
    const t0 = Date.now() / 1000;

    const first = await trigger();
    expect(first).toEqual({ partitionsCreated: 3, rowsExpired: 1, byCategory: { orchestration: 1 } });
    for (const m of [4, 5, 6]) expect(await partitionExists(m), `month +${m}`).toBe(true);
    const rows = await pool.query('SELECT event_id::text FROM audit_events WHERE correlation_id = $1', [cid]);
    expect(rows.rows).toEqual([{ event_id: kept.event_id }]);
    const tomb = await pool.query(
      'SELECT event_id::text FROM audit_retention_tombstones WHERE correlation_id = $1',
      [cid],
    );
    expect(tomb.rows).toEqual([{ event_id: old.event_id }]);
    expect(await verifyChain(pool, cid)).toMatchObject({ is_valid: true, pruned_events: 1 });

    const after = await metrics();
    const delta = (name: string) => sampleSum(after, name) - sampleSum(before, name);
    expect(delta('kubernaut_audit_maintenance_partitions_created_total')).toBe(3);
    expect(delta('kubernaut_audit_maintenance_rows_expired_total')).toBe(1);
    expect(delta('kubernaut_audit_maintenance_failures_total')).toBe(0);
    expect(
      sampleSum(after, 'kubernaut_audit_maintenance_last_success_timestamp_seconds'),
    ).toBeGreaterThanOrEqual(t0);
    expect(sampleSum(after, 'kubernaut_audit_maintenance_last_run_timestamp_seconds')).toBeGreaterThanOrEqual(
      t0,
    );

    expect(await trigger()).toEqual({ partitionsCreated: 0, rowsExpired: 0, byCategory: {} });
    const again = await metrics();
    expect(sampleSum(again, 'kubernaut_audit_maintenance_partitions_created_total')).toBe(
      sampleSum(after, 'kubernaut_audit_maintenance_partitions_created_total'),
    );
    expect(sampleSum(again, 'kubernaut_audit_maintenance_rows_expired_total')).toBe(
      sampleSum(after, 'kubernaut_audit_maintenance_rows_expired_total'),
    );
  });

  it('a failing run is counted as a failure and leaves the last success where it was', async () => {
    const before = await metrics();
    // The worker's database loses the function (as a broken migration would): the run fails.
    const admin = new pg.Client({ connectionString: urls.admin });
    await admin.connect();
    try {
      await admin.query('ALTER FUNCTION audit_create_partitions_ahead(integer) RENAME TO audit_cpa_away');
      await expect(trigger()).rejects.toThrow();
    } finally {
      await admin.query('ALTER FUNCTION audit_cpa_away(integer) RENAME TO audit_create_partitions_ahead');
      await admin.end();
    }
    const after = await metrics();
    // Three attempts (the workflow's retry policy), each counted.
    expect(
      sampleSum(after, 'kubernaut_audit_maintenance_failures_total') -
        sampleSum(before, 'kubernaut_audit_maintenance_failures_total'),
    ).toBe(3);
    expect(sampleSum(after, 'kubernaut_audit_maintenance_last_success_timestamp_seconds')).toBe(
      sampleSum(before, 'kubernaut_audit_maintenance_last_success_timestamp_seconds'),
    );
  });
});
