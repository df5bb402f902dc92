/**
 * The child kinds of a RemediationRequest: plural for the API path, the name
 * prefix (DESIGN §4) and the status field whose change the watcher reports.
 */
export const CHILD_KINDS = {
  SignalProcessing: { plural: 'signalprocessings', prefix: 'sp', field: 'phase' },
  AIAnalysis: { plural: 'aianalyses', prefix: 'ai', field: 'phase' },
  RemediationApprovalRequest: { plural: 'remediationapprovalrequests', prefix: 'rar', field: 'decision' },
  WorkflowExecution: { plural: 'workflowexecutions', prefix: 'we', field: 'phase' },
  EffectivenessAssessment: { plural: 'effectivenessassessments', prefix: 'ea', field: 'phase' },
  NotificationRequest: { plural: 'notificationrequests', prefix: 'nr', field: 'phase' },
} as const;

export type ChildKind = keyof typeof CHILD_KINDS;
export const CHILD_KIND_NAMES = Object.keys(CHILD_KINDS) as ChildKind[];

export const childName = (kind: Exclude<ChildKind, 'NotificationRequest'>, rrName: string) =>
  `${CHILD_KINDS[kind].prefix}-${rrName}`;

/** NotificationRequest names carry their type, so each type is sent once per RR. */
export const notificationName = (type: string, rrName: string) => `nr-${type}-${rrName}`;
