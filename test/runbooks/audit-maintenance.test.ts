/**
 * docs/runbooks/audit-maintenance.md, tried: a worker whose maintenance runs fail (the
 * partition function gone, as with migrations not applied) counts failures and never
 * moves its last success — what KubernautAuditMaintenanceStale fires on after two
 * intervals. The runbook's first checks, `temporal schedule describe` and the worker's
 * /metrics, show it; its action — fix the cause, `temporal schedule trigger` — brings
 * a successful run at once. A database of its own: retention must not prune the
 * shared one.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRuntime, type WorkerRuntime } from '../../workers/runtime.js';
import { eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { curl, grep, sampleValue, temporal, useWorkerProbePort } from '../harness/operator.js';
import { quietIntervalMs } from '../harness/quiet-interval.js';
import { freshAuditDatabase } from '../integration/audit-log-fixtures.js';

// About an hour, and no scheduled run while the test triggers and counts its own.
const INTERVAL_MS = quietIntervalMs(3_600_000);

describe('runbook: audit maintenance has not succeeded', async () => {
  const { urls } = await freshAuditDatabase();
  const scheduleId = uniqueName('audit-maintenance-runbook');
  let runtime: WorkerRuntime;
  beforeAll(async () => {
    runtime = await startWorkerRuntime({
      temporalAddress: stackInfo().temporalAddress,
      temporalNamespace: stackInfo().temporalNamespace,
      databaseUrl: urls.writer,
      kubeconfigPath: stackInfo().kubeconfigPath,
      taskQueue: uniqueName('audit-maintenance-runbook'),
      watchNamespace: await testNamespace('maint-rb'),
      controllers: { enabled: [], logger: pino({ level: 'silent' }) },
      auditMaintenance: { intervalMs: INTERVAL_MS, scheduleId },
      log: () => {},
    });
  });
  afterAll(async () => {
    await runtime?.client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => {});
    await runtime?.stop();
  });
  const probe = useWorkerProbePort(() => runtime.readiness());
  const maintenance = async () =>
    grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_audit_maintenance_');

  it('failing runs → failures counted, last success stuck; describe and /metrics show it; fix and trigger → success', async () => {
    const admin = new pg.Client({ connectionString: urls.admin });
    await admin.connect();
    try {
      await admin.query('ALTER FUNCTION audit_create_partitions_ahead(integer) RENAME TO audit_cpa_missing');
      const before = await maintenance();
      expect(sampleValue(before, 'kubernaut_audit_maintenance_interval_seconds')).toBe(INTERVAL_MS / 1000);

      expect(
        (await temporal(['schedule', 'trigger', '--schedule-id', scheduleId, '--overlap-policy', 'AllowAll']))
          .code,
      ).toBe(0);
      await eventually(
        'three failed attempts counted',
        async () =>
          sampleValue(await maintenance(), 'kubernaut_audit_maintenance_failures_total') -
            sampleValue(before, 'kubernaut_audit_maintenance_failures_total') ===
          3,
        60_000,
      );
      const failing = await maintenance();
      expect(sampleValue(failing, 'kubernaut_audit_maintenance_last_success_timestamp_seconds')).toBe(
        sampleValue(before, 'kubernaut_audit_maintenance_last_success_timestamp_seconds'),
      );

      // First check: the schedule, its workflow and its recent runs.
      const described = await temporal([
        'schedule',
        'describe',
        '--schedule-id',
        scheduleId,
        '--output',
        'json',
      ]);
      expect(described.code, described.stderr).toBe(0);
      const d = JSON.parse(described.stdout) as {
        schedule: {
          action: { startWorkflow: { workflowType: { name: string } } };
          state?: { paused?: boolean };
        };
        info: { recentActions: { startWorkflowResult: { workflowId: string } }[] };
      };
      expect(d.schedule.action.startWorkflow.workflowType.name).toBe('auditMaintenanceWorkflow');
      expect(d.schedule.state?.paused ?? false).toBe(false);
      const run = d.info.recentActions.at(-1)!.startWorkflowResult.workflowId;
      // The failed run's error is the PostgreSQL error, as the runbook says.
      const shown = await temporal(['workflow', 'show', '--workflow-id', run, '--output', 'json']);
      expect(shown.stdout).toMatch(/audit_create_partitions_ahead\(unknown\) does not exist/);
    } finally {
      await admin.query('ALTER FUNCTION audit_cpa_missing(integer) RENAME TO audit_create_partitions_ahead');
      await admin.end();
    }

    // The action: the cause fixed, a run now without waiting for the interval.
    const t0 = Date.now() / 1000;
    expect(
      (await temporal(['schedule', 'trigger', '--schedule-id', scheduleId, '--overlap-policy', 'AllowAll']))
        .code,
    ).toBe(0);
    await eventually(
      'a successful run',
      async () =>
        sampleValue(await maintenance(), 'kubernaut_audit_maintenance_last_success_timestamp_seconds') >= t0,
      60_000,
    );
  });
});
