/**
 * The audit events a remediation records (one per step worth keeping): every event
 * carries the RR as resource and correlation id, and a sequence number that makes
 * the write idempotent across activity retries. Deterministic: the timestamp is
 * workflow time, the ids come from the workflow id, run id and that number.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { AuditEventInput, AuditOutcome } from '../lib/audit/types.js';
import type { Remediation } from './context.js';

/** event_category by the event type's service (its first segment). */
const CATEGORY: Record<string, string> = {
  orchestrator: 'orchestration',
  gateway: 'gateway',
  signalprocessing: 'signalprocessing',
  aianalysis: 'analysis',
  workflowexecution: 'workflowexecution',
  notification: 'notification',
  effectiveness: 'effectiveness',
};

/** Records the audit event `type` (`<service>.<category>.<action>`) as the `seq`th of this run. */
export async function recordAudit(
  r: Remediation,
  seq: number,
  type: string,
  outcome: AuditOutcome,
  data: Record<string, unknown>,
  extra: Partial<AuditEventInput> = {},
): Promise<void> {
  const [service, , action] = type.split('.');
  const category = CATEGORY[service!] ?? 'orchestration';
  const info = workflowInfo();
  await r.steps.recordAuditEvent({
    workflowId: info.workflowId,
    runId: info.runId,
    seq,
    event: {
      version: '1.0',
      event_type: type,
      event_timestamp: r.now(),
      event_category: category,
      event_action: action ?? 'unknown',
      event_outcome: outcome,
      actor_type: 'service',
      actor_id: 'remediation-orchestrator',
      resource_type: 'RemediationRequest',
      resource_id: r.owner.name,
      correlation_id: r.owner.name,
      namespace: r.owner.namespace,
      ...(r.spec.clusterID ? { cluster_id: r.spec.clusterID } : {}),
      severity: r.spec.severity,
      event_data: {
        event_type: type,
        rr_name: r.owner.name,
        rr_namespace: r.owner.namespace,
        ...data,
      },
      ...extra,
    },
  });
}
