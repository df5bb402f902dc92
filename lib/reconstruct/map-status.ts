/**
 * Step 3b: the RR status, field by field, from the workflow's events — the same
 * fields, under the same rules, as workflows/status-projection.ts writes them, so a
 * partial trail of a remediation still in flight yields the status it has now.
 */
import { API_VERSION } from '../domain.js';
import type { FieldTree } from './fields-tree.js';
import type { ChildName, ParsedEvent, Selected } from './parse.js';
import type { FieldSource } from './types.js';

/** What the trail shows happened; validation expects the fields these imply. */
export interface Evidence {
  reached: Set<string>;
  terminal?: string;
  orchestrated: boolean;
  approvalRequested: boolean;
  decided: boolean;
  blocked: boolean;
  /** A later phase showed the routing block gone (the RR went on to execute). */
  blockCleared?: boolean;
  selected: boolean;
  /** Phases entered by an event that gives their start time. */
  entered: Set<string>;
}

export const newEvidence = (): Evidence => ({
  reached: new Set(),
  orchestrated: false,
  approvalRequested: false,
  decided: false,
  blocked: false,
  selected: false,
  entered: new Set(),
});

export const PHASE_START_FIELD: Record<string, string> = {
  Processing: 'processingStartTime',
  Analyzing: 'analyzingStartTime',
  AwaitingApproval: 'awaitingApprovalStartTime',
  Executing: 'executingStartTime',
  Verifying: 'verifyingStartTime',
};

export const CHILD_REF_FIELD: Record<string, string> = {
  SignalProcessing: 'signalProcessingRef',
  AIAnalysis: 'aiAnalysisRef',
  RemediationApprovalRequest: 'remediationApprovalRequestRef',
  WorkflowExecution: 'workflowExecutionRef',
  EffectivenessAssessment: 'effectivenessAssessmentRef',
};

const ref = (kind: string, name: string, namespace: string | undefined) => ({
  apiVersion: API_VERSION,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});

/** A child an event names, unless a transition already recorded it (ours carry child_refs). */
function namedChild(t: FieldTree, c: ChildName | undefined, src: FieldSource, namespace?: string) {
  const field = c && CHILD_REF_FIELD[c.kind];
  if (!c || !field || t.has(`status.phaseProgress.${field}`)) return;
  t.set(`status.phaseProgress.${field}`, ref(c.kind, c.name, namespace), src);
}

/**
 * The selected workflow. Kubernaut's CRD requires workflowId, version and
 * executionBundle together, so a selection naming only the workflow (Kubernaut's
 * AIAnalysis and approval events) records its display name and confidence and leaves
 * the ref to an event that has all three. Returns whether the ref is set.
 */
function selection(t: FieldTree, s: Selected, src: FieldSource): boolean {
  const w = 'status.workflowSelection';
  const known = t.has(`${w}.selectedWorkflowRef.workflowId`);
  if (known || (s.version && s.executionBundle)) {
    t.set(`${w}.selectedWorkflowRef.workflowId`, s.workflowId, src);
    t.set(`${w}.selectedWorkflowRef.version`, s.version, src);
    t.set(`${w}.selectedWorkflowRef.executionBundle`, s.executionBundle, src);
  }
  t.set(`${w}.workflowDisplayName`, s.workflowId, src);
  // The status carries confidence as a decimal string, as Kubernaut's CRD has it.
  if (s.confidence !== undefined) t.set(`${w}.confidence`, s.confidence.toFixed(2), src);
  return t.has(`${w}.selectedWorkflowRef.workflowId`);
}

/** Applies one event's status fields; `namespace` is the RR's (child refs live beside it). */
export function applyStatusEvent(t: FieldTree, ev: Evidence, e: ParsedEvent, namespace?: string): void {
  const src = e.source;
  const p = e.payload;
  switch (p.kind) {
    case 'started':
      ev.orchestrated = true;
      t.set('status.startTime', src.event_timestamp, src);
      // The workflow starts with no approval required until the analysis says otherwise.
      if (!t.has('status.approval.required'))
        t.set('status.approval.required', false, { ...src, via: 'derived' });
      return;
    case 'created':
      ev.orchestrated = true;
      t.set('status.timeoutConfig', p.timeoutConfig, src);
      return;
    case 'transitioned': {
      ev.orchestrated = true;
      for (const ph of [p.from, p.to]) if (ph) ev.reached.add(ph);
      t.set('status.overallPhase', p.to, src);
      t.set('status.message', p.message, src);
      const startField = PHASE_START_FIELD[p.to];
      if (startField) t.set(`status.phaseProgress.${startField}`, p.phaseStartTime, src);
      ev.entered.add(p.to);
      for (const [kind, name] of Object.entries(p.childRefs ?? {})) {
        const field = CHILD_REF_FIELD[kind];
        if (field) t.set(`status.phaseProgress.${field}`, ref(kind, name, namespace), src);
      }
      // The routing status as the workflow held it when it entered this phase (later wins,
      // so a block that cleared before execution no longer shows).
      if (p.routingStatus) {
        t.set('status.routingStatus', p.routingStatus, src);
        ev.blockCleared = !p.routingStatus.blockReason;
      }
      if (p.notificationRefs?.length) {
        const refs = p.notificationRefs.map((n) => ref('NotificationRequest', n, namespace));
        t.set('status.completionStatus.notificationRequestRefs', refs, src);
        if (p.notificationRefs.some((n) => n.startsWith('nr-approval-')))
          t.set('status.completionStatus.approvalNotificationSent', true, { ...src, via: 'derived' });
      }
      return;
    }
    case 'blocked':
      ev.blocked = true;
      ev.blockCleared = false;
      ev.reached.add('Blocked');
      // The workflow replaces the routing status on each block, so this does too.
      t.set(
        'status.routingStatus',
        Object.fromEntries(
          Object.entries({
            blockReason: p.blockReason,
            blockMessage: p.blockMessage,
            blockedUntil: p.blockedUntil,
            duplicateOf: p.duplicateOf,
          }).filter(([, v]) => v !== undefined),
        ),
        src,
      );
      return;
    case 'approval-requested':
      ev.approvalRequested = true;
      if (p.selection && !t.has('status.workflowSelection.selectedWorkflowRef.workflowId')) {
        ev.selected = selection(t, p.selection, src) || ev.selected;
      }
      ev.reached.add('AwaitingApproval');
      t.set('status.approval.required', true, src);
      t.set('status.approval.requestName', p.requestName, src);
      t.set('status.approval.requiredBy', p.requiredBy, src);
      return;
    case 'approval-decided':
      ev.decided = true;
      ev.reached.add('AwaitingApproval');
      t.set('status.approval.required', true, { ...src, via: 'derived' });
      if (!t.has('status.approval.requestName')) t.set('status.approval.requestName', p.requestName, src);
      t.set('status.approval.decision', p.decision, src);
      t.set('status.approval.decidedBy', p.decidedBy, src);
      t.set('status.approval.decidedAt', p.decidedAt, src);
      t.set('status.approval.decisionMessage', p.decisionMessage, src);
      return;
    case 'analysis-completed':
      ev.reached.add('Analyzing');
      namedChild(t, p.child, src, namespace);
      if (p.approvalRequired !== undefined) t.set('status.approval.required', p.approvalRequired, src);
      if (p.selection) ev.selected = selection(t, p.selection, src) || ev.selected;
      return;
    case 'selection-completed':
      ev.selected = true;
      ev.reached.add('Executing');
      namedChild(t, p.child, src, namespace);
      selection(t, p.selection, src);
      return;
    case 'finished': {
      ev.orchestrated = true;
      ev.terminal = p.finalPhase;
      for (const ph of [p.failurePhase, p.timeoutPhase]) if (ph) ev.reached.add(ph);
      t.set('status.overallPhase', p.finalPhase, src);
      t.set('status.completedAt', p.completedAt, src);
      t.set('status.message', p.message, src);
      const c = 'status.completionStatus';
      // An inferred outcome does not override one a verification event stated.
      if (!p.outcomeDerived || !t.has(`${c}.outcome`)) {
        t.set(`${c}.outcome`, p.outcome, p.outcomeDerived ? { ...src, via: 'derived' } : src);
      }
      t.set(`${c}.failurePhase`, p.failurePhase, src);
      t.set(`${c}.failureReason`, p.failureReason, src);
      t.set(`${c}.timeoutPhase`, p.timeoutPhase, src);
      t.set(`${c}.timeoutTime`, p.timeoutTime, src);
      if (p.outcome === 'ManualReviewRequired')
        t.set(`${c}.requiresManualReview`, true, { ...src, via: 'derived' });
      return;
    }
    case 'reached':
      ev.reached.add(p.phase);
      namedChild(t, p.child, src, namespace);
      if (p.selection) ev.selected = selection(t, p.selection, src) || ev.selected;
      return;
    case 'verified':
      t.set('status.completionStatus.outcome', p.outcome, src);
      return;
    case 'manual-review':
      t.set('status.completionStatus.requiresManualReview', true, src);
      t.set('status.message', p.message, src);
      return;
    default:
      return;
  }
}
