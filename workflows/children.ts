/**
 * Specs of the child resources the workflow creates, one builder per kind. Pure
 * functions of the RR and of what earlier children reported, so the workflow stays
 * deterministic. Field names follow Kubernaut's CRDs.
 */
import { API_VERSION } from '../lib/domain.js';
import type { RemediationRequestSpec, TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';

export interface Owner {
  namespace: string;
  name: string;
  uid: string;
}

type Status = Record<string, unknown>;
const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export const rrRef = (o: Owner) => ({
  apiVersion: API_VERSION,
  kind: 'RemediationRequest',
  name: o.name,
  namespace: o.namespace,
  uid: o.uid,
});
const plainTarget = (t: TargetResource) => ({
  kind: t.kind,
  name: t.name,
  ...(t.namespace ? { namespace: t.namespace } : {}),
});

export function signalProcessingSpec(o: Owner, spec: RemediationRequestSpec, timesOutAt: string) {
  return {
    remediationRequestRef: rrRef(o),
    signal: {
      fingerprint: spec.signalFingerprint,
      name: spec.signalName,
      severity: spec.severity,
      type: spec.signalType,
      ...(spec.signalSource ? { source: spec.signalSource } : {}),
      targetType: spec.targetType,
      targetResource: plainTarget(spec.targetResource),
      ...(spec.clusterID ? { clusterID: spec.clusterID } : {}),
      firingTime: spec.firingTime,
      receivedTime: spec.receivedTime,
      labels: spec.signalLabels ?? {},
      annotations: spec.signalAnnotations ?? {},
      ...(spec.providerData ? { providerData: spec.providerData } : {}),
    },
    timesOutAt,
  };
}

/** What enrichment found, with safe defaults when a field is missing. */
export function enrichment(sp: Status) {
  const severity = str(obj(sp.signalClassification)?.severity) ?? 'unknown';
  const environment = str(obj(sp.environmentClassification)?.environment) ?? 'Unknown';
  const priority = str(obj(sp.priorityAssignment)?.priority) ?? 'P3';
  return {
    severity,
    environment,
    priority,
    kubernetesContext: obj(sp.kubernetesContext),
    business: obj(sp.businessClassification),
  };
}

export function aiAnalysisSpec(o: Owner, spec: RemediationRequestSpec, sp: Status, timesOutAt: string) {
  const e = enrichment(sp);
  return {
    remediationRequestRef: {
      kind: 'RemediationRequest',
      name: o.name,
      namespace: o.namespace,
      apiVersion: API_VERSION,
      uid: o.uid,
    },
    remediationId: o.name,
    ...(spec.clusterID ? { clusterID: spec.clusterID } : {}),
    timesOutAt,
    analysisRequest: {
      analysisTypes: ['Investigation', 'RootCause', 'WorkflowSelection'],
      signalContext: {
        fingerprint: spec.signalFingerprint,
        signalName: spec.signalName,
        severity: e.severity,
        signalMode: 'reactive',
        environment: e.environment,
        businessPriority: e.priority,
        targetResource: plainTarget(spec.targetResource),
        signalAnnotations: spec.signalAnnotations ?? {},
        enrichmentResults: {
          ...(e.kubernetesContext ? { kubernetesContext: e.kubernetesContext } : {}),
          ...(e.business ? { businessClassification: e.business } : {}),
        },
      },
    },
  };
}

export interface Selection {
  workflowId: string;
  workflowName: string;
  version: string;
  actionType: string;
  executionBundle: string;
  executionEngine?: string;
  confidence: number;
  rationale: string;
  parameters: Record<string, string>;
}

/** Kubernaut's status.rcaResult fields, lifted to where the workflow reads them (they win). */
export function liftRcaResult(aa: Status): Status {
  const rca = obj(aa.rcaResult);
  if (!rca) return aa;
  const lifted: Status = { ...aa };
  for (const k of ['rootCause', 'rootCauseAnalysis', 'selectedWorkflow'])
    if (rca[k] !== undefined) lifted[k] = rca[k];
  return lifted;
}

export function selectionOf(aa: Status): Selection | undefined {
  const s = obj(aa.selectedWorkflow);
  if (!s || !str(s.workflowId)) return undefined;
  return {
    workflowId: String(s.workflowId),
    workflowName: str(s.workflowName) ?? String(s.workflowId),
    version: str(s.version) ?? '1',
    actionType: str(s.actionType) ?? 'unknown',
    executionBundle: str(s.executionBundle) ?? `builtin:${str(s.actionType) ?? 'unknown'}`,
    ...(str(s.executionEngine) ? { executionEngine: String(s.executionEngine) } : {}),
    confidence: typeof s.confidence === 'number' ? s.confidence : 0,
    rationale: str(s.rationale) ?? '',
    parameters: (obj(s.parameters) as Record<string, string>) ?? {},
  };
}

/** The resource to act on: the analysis' remediation target, else the signal's target. */
export function remediationTarget(spec: RemediationRequestSpec, aa: Status): TargetResource {
  const t = obj(obj(aa.rootCauseAnalysis)?.remediationTarget);
  if (t && str(t.kind) && str(t.name)) {
    const sameKind = String(t.kind) === spec.targetResource.kind;
    return {
      // The signal's apiVersion belongs to the signal's kind (a Pod's v1 is not a Deployment's).
      ...(sameKind && spec.targetResource.apiVersion ? { apiVersion: spec.targetResource.apiVersion } : {}),
      ...(str(t.apiVersion) ? { apiVersion: String(t.apiVersion) } : {}),
      kind: String(t.kind),
      name: String(t.name),
      namespace: str(t.namespace) ?? spec.targetResource.namespace,
    };
  }
  return spec.targetResource;
}

export const confidenceLevel = (c: number) => (c >= 0.8 ? 'high' : c >= 0.6 ? 'medium' : 'low');

export function approvalRequestSpec(
  o: Owner,
  aaName: string,
  aa: Status,
  sel: Selection,
  requiredBy: string,
) {
  const approval = obj(aa.approval);
  const why = str(approval?.approvalReason) ?? 'approval policy requires a person to confirm this action';
  return {
    remediationRequestRef: rrRef(o),
    aiAnalysisRef: { name: aaName },
    confidence: sel.confidence,
    confidenceLevel: confidenceLevel(sel.confidence),
    reason: why,
    whyApprovalRequired: why,
    investigationSummary: str(aa.rootCause) ?? str(obj(aa.rootCauseAnalysis)?.summary) ?? 'no summary',
    recommendedWorkflow: {
      workflowId: sel.workflowId,
      version: sel.version,
      executionBundle: sel.executionBundle,
      rationale: sel.rationale || 'selected by analysis',
    },
    recommendedActions: [{ action: sel.actionType, rationale: sel.rationale || 'selected by analysis' }],
    requiredBy,
  };
}

export function workflowExecutionSpec(
  o: Owner,
  target: TargetResource,
  sel: Selection,
  timesOutAt: string,
  dryRun: boolean,
) {
  return {
    remediationRequestRef: rrRef(o),
    workflowRef: {
      workflowId: sel.workflowId,
      workflowName: sel.workflowName,
      version: sel.version,
      actionType: sel.actionType,
      executionBundle: sel.executionBundle,
      ...(sel.executionEngine ? { executionEngine: sel.executionEngine } : {}),
    },
    targetResource: targetDisplay(target),
    parameters: sel.parameters,
    confidence: sel.confidence,
    rationale: sel.rationale,
    ...(dryRun ? { dryRun: true } : {}),
    timesOutAt,
  };
}

export function effectivenessSpec(
  o: Owner,
  spec: RemediationRequestSpec,
  target: TargetResource,
  we: Status,
  stabilizationWindow: string,
  /** Not in Kubernaut's EffectivenessAssessment spec (which would prune it): left out when undefined. */
  timesOutAt: string | undefined,
  /** The target's hash before execution, taken by the workflow (else the execution's status.change). */
  preHash?: string,
) {
  const withApi = (t: TargetResource) => ({
    ...(t.apiVersion ? { apiVersion: t.apiVersion } : {}),
    ...plainTarget(t),
  });
  const before = preHash ?? str(obj(we.change)?.beforeSpecHash);
  return {
    correlationID: o.name,
    remediationRequestPhase: 'Verifying',
    remediationTarget: withApi(target),
    signalTarget: withApi(spec.targetResource),
    signalName: spec.signalName,
    ...(spec.clusterID ? { clusterID: spec.clusterID } : {}),
    ...(before ? { preRemediationSpecHash: before } : {}),
    config: { stabilizationWindow },
    ...(timesOutAt ? { timesOutAt } : {}),
  };
}

export interface NotificationContent {
  type: 'Escalation' | 'Simple' | 'StatusUpdate' | 'Approval' | 'ManualReview' | 'Completion';
  priority: 'Critical' | 'High' | 'Medium' | 'Low';
  subject: string;
  body: string;
}

export function notificationSpec(
  o: Owner,
  spec: RemediationRequestSpec,
  phase: string,
  n: NotificationContent,
) {
  return {
    type: n.type,
    priority: n.priority,
    subject: n.subject.slice(0, 500),
    body: n.body,
    severity: spec.severity,
    phase,
    remediationRequestRef: rrRef(o),
    context: {
      lineage: { remediationRequest: o.name },
      target: { targetResource: targetDisplay(spec.targetResource) },
    },
  };
}

/** Approval urgency follows business priority (P0 most urgent). */
export const approvalPriority = (businessPriority: string): NotificationContent['priority'] =>
  businessPriority === 'P0'
    ? 'Critical'
    : businessPriority === 'P1'
      ? 'High'
      : businessPriority === 'P2'
        ? 'Medium'
        : 'Low';
