/**
 * The audit trail's upkeep on a schedule: a Temporal Schedule
 * (`kubernaut-audit-maintenance`) starts workflows/audit-maintenance.ts every
 * interval, whose activity creates the partitions ahead and applies retention
 * (activities/audit-maintenance.ts). A Schedule rather than a timer in the worker:
 * one run per interval whichever replicas are up, visible and triggerable in the
 * Web UI and CLI (`temporal schedule trigger --schedule-id kubernaut-audit-maintenance --overlap-policy AllowAll`),
 * overlapping runs skipped, a missed run caught up after an outage.
 *
 * Created at worker start, idempotently: an existing schedule is left as it is when
 * it already says the same, and updated when the interval or task queue changed, so
 * every replica may call this at every start.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

export const AUDIT_MAINTENANCE_SCHEDULE = 'kubernaut-audit-maintenance';
const WORKFLOW_TYPE = 'auditMaintenanceWorkflow';

export interface AuditMaintenanceConfig {
  /** Time between runs. */
  intervalMs: number;
  /** Months ahead that must have a partition (default 3). */
  partitionsAhead?: number;
  /** Default kubernaut-audit-maintenance (tests use their own). */
  scheduleId?: string;
}

const DEFAULT_INTERVAL_MS = 3_600_000;

/**
 * From the environment: KUBERNAUT_AUDIT_MAINTENANCE_INTERVAL_MS (default one hour;
 * `off` or 0: no schedule from this worker) and KUBERNAUT_AUDIT_PARTITIONS_AHEAD
 * (default 3). A malformed value throws, naming the variable.
 */
export function auditMaintenanceFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): AuditMaintenanceConfig | undefined {
  const raw = env.KUBERNAUT_AUDIT_MAINTENANCE_INTERVAL_MS;
  if (raw === 'off' || raw === '0') return undefined;
  const intervalMs = raw === undefined || raw === '' ? DEFAULT_INTERVAL_MS : Number(raw);
  if (!Number.isInteger(intervalMs) || intervalMs < 1000) {
    throw new Error(
      `KUBERNAUT_AUDIT_MAINTENANCE_INTERVAL_MS must be a whole number of milliseconds ≥ 1000, or off; got ${JSON.stringify(raw)}`,
    );
  }
  const aheadRaw = env.KUBERNAUT_AUDIT_PARTITIONS_AHEAD;
  const partitionsAhead = aheadRaw === undefined || aheadRaw === '' ? 3 : Number(aheadRaw);
  if (!Number.isInteger(partitionsAhead) || partitionsAhead < 0 || partitionsAhead > 24) {
    throw new Error(
      `KUBERNAUT_AUDIT_PARTITIONS_AHEAD must be a whole number from 0 to 24; got ${JSON.stringify(aheadRaw)}`,
    );
  }
  return { intervalMs, partitionsAhead };
}

/** Creates the schedule, or brings an existing one to this interval and task queue. */
export async function ensureAuditMaintenanceSchedule(
  client: Client,
  opts: { scheduleId?: string; intervalMs: number; taskQueue: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  const scheduleId = opts.scheduleId ?? AUDIT_MAINTENANCE_SCHEDULE;
  const spec = { intervals: [{ every: opts.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: WORKFLOW_TYPE,
    taskQueue: opts.taskQueue,
    // Temporal appends the scheduled time, so each run has an id of its own.
    workflowId: scheduleId,
    // A run that cannot finish in an interval gives way to the next one.
    workflowExecutionTimeout: opts.intervalMs,
  };
  // Overlapping runs are skipped (idempotent anyway); after an outage one run catches up.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: opts.intervalMs };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const sameInterval =
    current.spec.intervals?.length === 1 && current.spec.intervals[0]!.every === opts.intervalMs;
  if (sameInterval && current.action.taskQueue === opts.taskQueue) return 'unchanged';
  await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return 'updated';
}
