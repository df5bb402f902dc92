/**
 * Step 5: is the rebuilt RR usable, and how much of it could be rebuilt?
 *
 * Completeness is the share, in percent, of the fields this trail should yield that
 * were rebuilt. Which fields that is depends on what the trail shows happened:
 * always the RR's name and namespace, the required spec fields and the status core
 * (phase, message, start time, timeout config, Ready condition); then the fields of
 * each phase it reached (start time, child ref), of approval, routing, workflow
 * selection and completion when those happened. A missing required spec field or
 * identity, or a value the CRD would refuse, is an error (the RR cannot be applied);
 * any other missing field is a warning.
 */
import { APPROVAL_DECISIONS, OUTCOMES, RR_PHASES, TARGET_TYPES } from '../domain.js';
import type { FieldTree } from './fields-tree.js';
import { GO_DURATION } from './kubernaut-vocabulary.js';
import type { Evidence } from './map-status.js';
import { CHILD_REF_FIELD, PHASE_START_FIELD } from './map-status.js';
import type { Dialect } from './parse.js';
import type { Validation } from './types.js';
import { expectedKubernautFields } from './validate-kubernaut.js';

export const REQUIRED_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.signalFingerprint',
  'spec.signalName',
  'spec.severity',
  'spec.signalType',
  'spec.targetType',
  'spec.targetResource.kind',
  'spec.targetResource.name',
  'spec.firingTime',
  'spec.receivedTime',
];

const CORE_STATUS = [
  'status.overallPhase',
  'status.message',
  'status.startTime',
  'status.timeoutConfig',
  'status.conditions',
];

const PHASE_CHILD: Record<string, string> = {
  Processing: 'SignalProcessing',
  Analyzing: 'AIAnalysis',
  AwaitingApproval: 'RemediationApprovalRequest',
  Executing: 'WorkflowExecution',
  Verifying: 'EffectivenessAssessment',
};

/** The optional fields this trail's evidence implies the RR had. */
export function expectedStatusFields(ev: Evidence): string[] {
  const out = [...CORE_STATUS];
  for (const phase of Object.keys(PHASE_CHILD)) {
    if (!ev.reached.has(phase)) continue;
    out.push(`status.phaseProgress.${PHASE_START_FIELD[phase]}`);
    out.push(`status.phaseProgress.${CHILD_REF_FIELD[PHASE_CHILD[phase]!]}`);
  }
  if (ev.approvalRequested || ev.reached.has('AwaitingApproval')) {
    out.push('status.approval.requestName', 'status.approval.requiredBy');
  }
  // A cancelled remediation may have been deleted before anyone decided.
  const finishedApproval =
    (ev.terminal !== undefined && ev.terminal !== 'Cancelled') || ev.reached.has('Executing');
  if (ev.decided || (ev.approvalRequested && finishedApproval)) {
    out.push('status.approval.decision', 'status.approval.decidedBy', 'status.approval.decidedAt');
  }
  if (ev.selected || ev.reached.has('Executing')) {
    const ref = 'status.workflowSelection.selectedWorkflowRef';
    out.push(`${ref}.workflowId`, `${ref}.version`, `${ref}.executionBundle`);
  }
  if (ev.blocked && !ev.blockCleared)
    out.push('status.routingStatus.blockReason', 'status.routingStatus.blockMessage');
  if (ev.terminal) out.push('status.completedAt');
  if (ev.terminal === 'Completed') out.push('status.completionStatus.outcome');
  // A timeout is recorded in timeoutPhase (Kubernaut's failurePhase enum has no phase names).
  if (ev.terminal === 'Failed')
    out.push('status.completionStatus.failurePhase', 'status.completionStatus.failureReason');
  if (ev.terminal === 'TimedOut') out.push('status.completionStatus.failureReason');
  if (ev.terminal === 'Cancelled') out.push('status.completionStatus.failureReason');
  if (ev.terminal === 'TimedOut')
    out.push('status.completionStatus.timeoutPhase', 'status.completionStatus.timeoutTime');
  return out;
}

/** Values the CRD would refuse, so the YAML would not apply. */
function valueErrors(t: FieldTree): string[] {
  const errors: string[] = [];
  const check = (path: string, ok: (v: string) => boolean, what: string) => {
    const v = t.get(path);
    if (v !== undefined && (typeof v !== 'string' || !ok(v)))
      errors.push(`${path} ${JSON.stringify(v)} ${what}`);
  };
  const oneOf = (values: readonly string[]) => (v: string) => values.includes(v);
  check('spec.signalFingerprint', (v) => /^[a-f0-9]{64}$/.test(v), 'is not a SHA-256 hex fingerprint');
  check('spec.targetType', oneOf(TARGET_TYPES), `is not one of ${TARGET_TYPES.join(', ')}`);
  check('status.overallPhase', oneOf(RR_PHASES), 'is not a RemediationRequest phase');
  check('status.completionStatus.outcome', oneOf(OUTCOMES), 'is not an outcome');
  check('status.completionStatus.timeoutPhase', oneOf(RR_PHASES), 'is not a phase');
  check('status.approval.decision', oneOf(APPROVAL_DECISIONS), 'is not an approval decision');
  for (const key of ['global', 'processing', 'analyzing', 'executing']) {
    check(`status.timeoutConfig.${key}`, (v) => GO_DURATION.test(v), 'is not a duration');
  }
  return errors;
}

export interface ValidationInput {
  tree: FieldTree;
  evidence: Evidence;
  /** Whose conventions the trail follows, and the event types it holds (parse.ts). */
  dialect?: Dialect;
  types?: Set<string>;
  /** Warnings of the earlier steps (skipped rows, unknown types, cross-check). */
  warnings: string[];
}

export function validateReconstruction(input: ValidationInput): Validation & { missing: string[] } {
  const { tree, evidence } = input;
  const errors: string[] = [];
  const warnings = [...input.warnings];
  const missing: string[] = [];
  for (const f of REQUIRED_FIELDS) {
    if (tree.has(f)) continue;
    missing.push(f);
    errors.push(`${f} is required and no audit event carried it`);
  }
  if (!evidence.orchestrated && input.dialect !== 'kubernaut') {
    warnings.push(
      'no orchestrator.lifecycle events: the remediation workflow has not started or its events are missing',
    );
  }
  const expected =
    input.dialect === 'kubernaut'
      ? expectedKubernautFields(evidence, input.types ?? new Set())
      : expectedStatusFields(evidence);
  for (const f of expected) {
    if (tree.has(f)) continue;
    missing.push(f);
    warnings.push(`${f} is missing: the event that carries it is not in the trail`);
  }
  errors.push(...valueErrors(tree));
  const total = REQUIRED_FIELDS.length + expected.length;
  return {
    is_valid: errors.length === 0,
    completeness: Math.floor((100 * (total - missing.length)) / total),
    errors,
    warnings,
    missing,
  };
}
