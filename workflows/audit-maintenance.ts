/**
 * The audit trail's upkeep as a workflow, started by the Temporal Schedule
 * `kubernaut-audit-maintenance` (workers/audit-maintenance.ts): one activity, retried
 * a few times within the run; a run that still fails is a failed schedule action,
 * counted by the metrics and alerted on, and the next interval tries again.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { AuditMaintenanceActivities, AuditMaintenanceResult } from '../activities/audit-maintenance.js';

const { runAuditMaintenance } = proxyActivities<AuditMaintenanceActivities>({
  // Retention in batches of 1,000 rows: minutes at most, even after a long pause.
  startToCloseTimeout: '15 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
  },
});

export async function auditMaintenanceWorkflow(): Promise<AuditMaintenanceResult> {
  return await runAuditMaintenance();
}
