/**
 * The bench's remediation trail in a form Kubernaut's Data Storage accepts: its API
 * validates every request against its OpenAPI (required fields and enums of the
 * payload that `event_data.event_type` selects), and our trail carries what our
 * reconstruction reads, not all of what Kubernaut's payload schemas require.
 *
 * Derived from `remediationTrail` event by event, never written separately, so both
 * shapes keep the same events, fields and sizes; the variant only adds what
 * Kubernaut requires and changes what its enums refuse. Both sides of
 * `--against` get these bodies (test/compat/bench-kubernaut-trail.test.ts checks
 * them against Kubernaut's contract).
 */
import type { AuditEventInput } from '../lib/audit/types.js';
import { remediationTrail } from './trail.js';

type Data = Record<string, unknown>;

/** What Kubernaut's payload schema for this event type requires on top of ours. */
function kubernautEventData(e: AuditEventInput): Data {
  const data = e.event_data as Data;
  // The RR's namespace: every orchestrator and analysis payload requires `namespace`.
  const namespace = String(data.rr_namespace ?? e.namespace ?? 'default');
  switch (e.event_type) {
    case 'gateway.signal.received': {
      const spec = data.spec as { signalType: string; signalName: string; targetResource: Data };
      return {
        ...data,
        signal_type: spec.signalType,
        signal_name: spec.signalName,
        // GatewayAuditPayload.namespace is the affected resource's namespace, not the RR's.
        namespace: spec.targetResource.namespace,
        resource_kind: spec.targetResource.kind,
        resource_name: spec.targetResource.name,
      };
    }
    case 'aianalysis.analysis.completed': {
      const selected = data.selected_workflow as { workflowId: string; confidence: number };
      return {
        ...data,
        analysis_name: data.ai_analysis,
        namespace,
        phase: 'Completed',
        degraded_mode: false,
        warnings_count: 0,
        workflow_id: selected.workflowId,
        confidence: selected.confidence,
      };
    }
    case 'orchestrator.lifecycle.completed':
      // Kubernaut's `outcome` is Success/Failed/Pending; the RR's own outcome
      // ("Remediated") goes where Kubernaut keeps it, `crd_outcome`.
      return { ...data, namespace, outcome: 'Success', crd_outcome: data.outcome };
    default:
      return { ...data, namespace };
  }
}

/**
 * The trail of one remediation as Kubernaut-valid AuditEventRequests. `event_id` is
 * left out: it is not part of Kubernaut's AuditEventRequest (its server assigns ids,
 * and so does ours when a request has none).
 */
export function kubernautTrail(correlationId: string, seed: number, t0: number): AuditEventInput[] {
  return remediationTrail(correlationId, seed, t0).map(({ event_id: _id, ...e }) => ({
    ...e,
    event_data: kubernautEventData(e),
  }));
}
