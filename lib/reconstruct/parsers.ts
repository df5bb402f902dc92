/**
 * The parser of each event type that tells something about the RR. Each reads our
 * field names and, where Kubernaut's services name the same thing differently
 * (rar_name for approval_request, workflow_id for workflowId, crd_outcome for the
 * CRD outcome, …), Kubernaut's. Where a Kubernaut event leaves a field out that ours
 * always write, the event's own timestamp or type stands in — only for trails in
 * Kubernaut's dialect, so a missing field in ours still shows as a gap.
 */
import type { StoredAuditEvent } from '../audit/types.js';
import { Fields, MalformedEvent } from './fields.js';
import {
  DECISION_OF_TYPE,
  FAILURE_CATEGORIES,
  isDecision,
  isOutcome,
  ORCHESTRATION_OUTCOMES,
  PHASE_OF_FAILURE,
} from './kubernaut-vocabulary.js';
import type { ChildName, Dialect, Payload, Selected } from './parse.js';
import { specFromGenesis } from './parse-spec.js';

export interface ParseContext {
  row: StoredAuditEvent;
  dialect: Dialect;
}

type Parser = (f: Fields, c: ParseContext) => Payload;

/** A selected workflow under our names (selected_workflow) or Kubernaut's (flat, snake case). */
function selected(o: Record<string, unknown> | undefined): Selected | undefined {
  if (!o) return undefined;
  const s = new Fields(o);
  const workflowId = s.str('workflowId') ?? s.str('workflow_id');
  if (!workflowId) return undefined;
  const confidence = s.num('confidence') ?? Number.parseFloat(s.str('confidence_str') ?? '');
  return clean({
    workflowId,
    version: s.str('version') ?? s.str('workflow_version'),
    // Kubernaut's WorkflowExecution runs the workflow's container image: its bundle.
    executionBundle: s.str('executionBundle') ?? s.str('container_image'),
    actionType: s.str('actionType') ?? s.str('action_type'),
    confidence: Number.isFinite(confidence) ? confidence : undefined,
  });
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const child = (kind: string, name: string | undefined): ChildName | undefined =>
  name ? { kind, name } : undefined;

/** Our events carry it; Kubernaut's leave it out and the event's own time is the value. */
function timeOr(f: Fields, key: string, c: ParseContext): string {
  return c.dialect === 'kubernaut' ? (f.time(key) ?? c.row.event_timestamp) : f.requiredTime(key);
}

/**
 * orchestrator.lifecycle.completed / failed. Ours name the final phase and the CRD
 * outcome; Kubernaut's give the type, its orchestration outcome, crd_outcome and a
 * failure category (a Timeout one ends the RR TimedOut in the phase that timed out).
 */
const finished: Parser = (f, c) => {
  const common = {
    kind: 'finished' as const,
    timeoutTime: f.time('timeout_time'),
    message: f.str('message'),
    rrStatus: f.obj('rr_status'),
  };
  if (c.dialect === 'ours') {
    return clean({
      ...common,
      finalPhase: f.requiredStr('final_phase'),
      outcome: f.str('outcome'),
      failurePhase: f.str('failure_phase'),
      failureReason: f.str('failure_reason'),
      timeoutPhase: f.str('timeout_phase'),
      completedAt: f.time('completed_at'),
    });
  }
  const reason = f.str('failure_reason');
  const failurePhase = f.str('failure_phase');
  const finalPhase =
    f.str('final_phase') ??
    (c.row.event_type.endsWith('.completed') ? 'Completed' : reason === 'Timeout' ? 'TimedOut' : 'Failed');
  const said = f.str('outcome');
  const crd = [said, f.str('crd_outcome')].find(isOutcome);
  // Kubernaut's Success on a completion with no crd_outcome: the remediation worked.
  const inferred = !crd && finalPhase === 'Completed' && said === 'Success' ? 'Remediated' : undefined;
  if (said && !crd && !(ORCHESTRATION_OUTCOMES as readonly string[]).includes(said)) {
    f.dropped.push(`event_data.outcome ${JSON.stringify(said)} is not an outcome`);
  }
  const errorDetails = f.obj('error_details');
  const detail =
    (errorDetails ? new Fields(errorDetails).str('message') : undefined) ??
    f.str('rejection_reason') ??
    f.str('message');
  const category = (FAILURE_CATEGORIES as readonly string[]).includes(reason ?? '');
  const timedOut = finalPhase === 'TimedOut';
  // Failure fields on a completion describe nothing that happened to the RR.
  if (finalPhase === 'Completed')
    return clean({
      ...common,
      finalPhase,
      outcome: crd ?? inferred,
      outcomeDerived: inferred ? true : undefined,
      completedAt: f.time('completed_at') ?? c.row.event_timestamp,
    });
  return clean({
    ...common,
    finalPhase,
    outcome: crd ?? inferred,
    outcomeDerived: inferred ? true : undefined,
    // Kubernaut names where a timeout hit in timeoutPhase; failurePhase is for failures.
    failurePhase: timedOut ? undefined : failurePhase,
    failureReason:
      category && detail ? `${reason}: ${detail}` : (reason ?? (timedOut ? 'Timeout' : undefined)),
    timeoutPhase: f.str('timeout_phase') ?? (timedOut ? PHASE_OF_FAILURE[failurePhase ?? ''] : undefined),
    timeoutTime: common.timeoutTime ?? (timedOut ? c.row.event_timestamp : undefined),
    completedAt: f.time('completed_at') ?? c.row.event_timestamp,
  });
};

const decided: Parser = (f, c) => {
  // The event type states the decision; Kubernaut's `decision` may also say Pending.
  const said = f.str('decision');
  const decision = DECISION_OF_TYPE[c.row.event_type] ?? (isDecision(said) ? said : undefined);
  if (!decision) throw new MalformedEvent('event_data.decision is missing');
  return clean({
    kind: 'approval-decided' as const,
    decision,
    requestName: f.str('approval_request') ?? f.str('rar_name') ?? f.str('request_name'),
    // Kubernaut's events name the approver and the rejecter in separate fields.
    decidedBy:
      f.str('decided_by') ??
      (decision === 'Rejected' ? f.str('rejected_by') : f.str('approved_by')) ??
      (c.dialect === 'kubernaut' ? c.row.actor_id : undefined),
    decidedAt: f.time('decided_at') ?? (c.dialect === 'kubernaut' ? c.row.event_timestamp : undefined),
    decisionMessage: f.str('decision_message') ?? f.str('rejection_reason'),
  });
};

/** Kubernaut's WorkflowExecution events: the selection they run and the execution's name. */
const execution: Parser = (f) => ({
  kind: 'reached',
  phase: 'Executing',
  ...clean({ child: child('WorkflowExecution', f.str('execution_name')), selection: selected(f.data) }),
});

const entered =
  (phase: string): Parser =>
  (f, c) =>
    clean({
      kind: 'transitioned' as const,
      to: phase,
      message: f.str('message'),
      phaseStartTime: c.row.event_timestamp,
    });

export const PARSERS: Record<string, Parser> = {
  'gateway.signal.received': (f, c) => {
    const { spec, derived } = specFromGenesis(f, c.row);
    return {
      kind: 'genesis',
      spec,
      derived,
      receivedAt: f.time('received_at'),
      // The creating signal is occurrence 1 of status.deduplication.
      fromGateway: f.str('deduplication_status') === 'new',
    };
  },
  'gateway.signal.deduplicated': (f) => ({
    kind: 'deduplicated',
    occurrence: f.num('occurrence_count'),
    firstSeenAt: f.time('first_seen_at'),
    lastSeenAt: f.time('last_seen_at'),
    receivedAt: f.time('received_at'),
  }),
  'gateway.crd.created': (f) => ({ kind: 'crd-created', uid: f.str('uid') }),
  'orchestrator.lifecycle.started': () => ({ kind: 'started' }),
  'orchestrator.lifecycle.created': (f) => {
    const config = f.stringMap('timeout_config');
    if (!config) throw new MalformedEvent('event_data.timeout_config is missing');
    return { kind: 'created', timeoutConfig: config };
  },
  // An operator changed the timeouts (Kubernaut's admission webhook): the new config wins.
  'webhook.remediationrequest.timeout_modified': (f) => {
    const config = f.stringMap('new_timeout_config');
    if (!config) throw new MalformedEvent('event_data.new_timeout_config is missing');
    return { kind: 'created', timeoutConfig: config };
  },
  'orchestrator.lifecycle.transitioned': (f, c) =>
    clean({
      kind: 'transitioned' as const,
      from: f.str('from_phase'),
      to: f.requiredStr('to_phase'),
      message: f.str('message') ?? f.str('transition_reason'),
      phaseStartTime: timeOr(f, 'phase_start_time', c),
      childRefs: f.stringMap('child_refs'),
      notificationRefs: f.stringList('notification_refs'),
      routingStatus: f.stringMap('routing_status'),
    }),
  'orchestrator.lifecycle.verifying_started': entered('Verifying'),
  'orchestrator.ea.created': (f) => ({
    kind: 'reached',
    phase: 'Verifying',
    ...clean({ child: child('EffectivenessAssessment', f.str('ea_name')) }),
  }),
  'orchestrator.lifecycle.verification_completed': (f) => ({
    kind: 'verified',
    ...clean({ outcome: [f.str('crd_outcome'), f.str('outcome')].find(isOutcome) }),
  }),
  'orchestrator.lifecycle.verification_timed_out': (f) => ({
    kind: 'verified',
    outcome: [f.str('crd_outcome')].find(isOutcome) ?? 'VerificationTimedOut',
  }),
  'orchestrator.remediation.manual_review': (f) => ({
    kind: 'manual-review',
    ...clean({ message: f.str('message') ?? f.str('reason') }),
  }),
  'orchestrator.routing.blocked': (f) => {
    const blockReason = f.str('block_reason') ?? f.str('reason');
    if (!blockReason) throw new MalformedEvent('event_data.block_reason is missing');
    return clean({
      kind: 'blocked' as const,
      blockReason,
      blockMessage: f.str('block_message') ?? f.str('message'),
      blockedUntil: f.time('blocked_until'),
      duplicateOf: f.str('duplicate_of'),
    });
  },
  'orchestrator.approval.requested': (f) => {
    const requestName = f.str('approval_request') ?? f.str('rar_name');
    if (!requestName) throw new MalformedEvent('event_data.approval_request is missing');
    return clean({
      kind: 'approval-requested' as const,
      requestName,
      requiredBy: f.time('required_by'),
      selection: selected(f.data),
    });
  },
  'orchestrator.approval.approved': decided,
  'orchestrator.approval.rejected': decided,
  'orchestrator.approval.expired': decided,
  'webhook.remediationapprovalrequest.decided': decided,
  'aianalysis.analysis.completed': (f) =>
    clean({
      kind: 'analysis-completed' as const,
      selection: selected(f.obj('selected_workflow')) ?? selected(f.data),
      approvalRequired: f.bool('approval_required'),
      child: child('AIAnalysis', f.str('analysis_name')),
    }),
  'workflowexecution.selection.completed': (f) => {
    const selection = selected(f.data);
    if (!selection) throw new MalformedEvent('event_data.workflowId is missing');
    return clean({
      kind: 'selection-completed' as const,
      selection,
      child: child('WorkflowExecution', f.str('execution_name')),
    });
  },
  // Kubernaut's orchestrator records the workflow it is about to run (DD-EM-002).
  'remediation.workflow_created': (f) => ({
    kind: 'reached',
    phase: 'Executing',
    ...clean({ selection: selected(f.data) }),
  }),
  'orchestrator.lifecycle.completed': finished,
  'orchestrator.lifecycle.failed': finished,
  // Evidence that a phase was reached, even when its transition row is missing.
  'aianalysis.analysis.failed': (f) => ({
    kind: 'reached',
    phase: 'Analyzing',
    ...clean({ child: child('AIAnalysis', f.str('analysis_name')) }),
  }),
  'workflowexecution.execution.started': execution,
  'workflowexecution.workflow.started': execution,
  'workflowexecution.workflow.completed': execution,
  'workflowexecution.workflow.failed': execution,
  ...Object.fromEntries(
    [
      'signal.processed',
      'phase.transition',
      'classification.decision',
      'business.classified',
      'enrichment.completed',
      'error.occurred',
    ].map((t) => [`signalprocessing.${t}`, (() => ({ kind: 'reached', phase: 'Processing' })) as Parser]),
  ),
};
