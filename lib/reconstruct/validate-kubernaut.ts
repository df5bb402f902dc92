/**
 * Completeness of a trail written by Kubernaut's services, over what such a trail can
 * carry. Kubernaut's own rule counts the spec fields, labels, annotations and original
 * payload of gateway.signal.received and the timeout config of
 * orchestrator.lifecycle.created; on top of that, each status field its other event
 * types carry is expected when an event of that type is in the trail (a phase entered
 * by a transition has its start time, a completion its time and outcome, a failure its
 * phase and reason, a workflow execution the workflow it ran, …). Fields only our
 * writer records (child refs in every transition, message, Ready condition inputs)
 * are not expected of it.
 */
import type { Evidence } from './map-status.js';
import { PHASE_START_FIELD } from './map-status.js';

const GENESIS_FIELDS = ['spec.signalLabels', 'spec.signalAnnotations', 'spec.originalPayload'];

const has = (types: Set<string>, re: RegExp) => [...types].some((t) => re.test(t));

export function expectedKubernautFields(ev: Evidence, types: Set<string>): string[] {
  const out = [...GENESIS_FIELDS, 'status.timeoutConfig'];
  if (has(types, /^orchestrator\.lifecycle\.(transitioned|verifying_started|completed|failed)$/))
    out.push('status.overallPhase');
  if (types.has('orchestrator.lifecycle.started')) out.push('status.startTime');
  for (const phase of ev.entered) {
    const field = PHASE_START_FIELD[phase];
    if (field) out.push(`status.phaseProgress.${field}`);
  }
  if (types.has('orchestrator.ea.created')) out.push('status.phaseProgress.effectivenessAssessmentRef');
  if (has(types, /^aianalysis\.analysis\./)) out.push('status.phaseProgress.aiAnalysisRef');
  const ref = 'status.workflowSelection.selectedWorkflowRef';
  if (ev.selected) out.push(`${ref}.workflowId`);
  // Kubernaut's WorkflowExecution events carry the workflow, its version and image.
  if (has(types, /^workflowexecution\.(workflow|execution|selection)\./)) {
    out.push(`${ref}.version`, `${ref}.executionBundle`, 'status.phaseProgress.workflowExecutionRef');
  }
  if (ev.approvalRequested) out.push('status.approval.requestName');
  if (ev.decided) out.push('status.approval.decision', 'status.approval.decidedAt');
  if (ev.blocked && !ev.blockCleared) out.push('status.routingStatus.blockReason');
  if (ev.terminal) out.push('status.completedAt');
  if (ev.terminal === 'Completed') out.push('status.completionStatus.outcome');
  if (ev.terminal === 'Failed') out.push('status.completionStatus.failureReason');
  if (ev.terminal === 'TimedOut') out.push('status.completionStatus.timeoutTime');
  return out;
}
