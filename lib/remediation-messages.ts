/**
 * The remediation workflow's messages: what people and watchers can send it, and
 * what it answers. Imported by the workflow, the worker's watchers, the API and CLI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RemediationView } from './remediation-view.js';

export const TASK_QUEUE = 'kubernaut-remediation';
export const workflowIdFor = (namespace: string, name: string) => `rr/${namespace}/${name}`;

/** The RR a workflow id names (the inverse of workflowIdFor), if it names one. */
export function remediationOfWorkflowId(workflowId: unknown): { rr: string; namespace: string } | undefined {
  if (typeof workflowId !== 'string') return undefined;
  const m = /^rr\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return m ? { namespace: m[1]!, rr: m[2]! } : undefined;
}

/** A decision from a person: who, why. The workflow stamps the time. */
export interface DecisionInput {
  /** Who decides: a claim, unless `authenticatedAs` says the API authenticated it. */
  decidedBy: string;
  reason?: string;
  /**
   * Set only by the API's approval routes: decidedBy is the identity the API
   * authenticated, a person ('user') or a program ('service'). Temporal access is
   * the trust boundary here — whoever may send updates may also terminate the
   * workflow — so the workflow takes this at its word; a CLI, `temporal workflow
   * update` or signal without it is recorded as a claim.
   */
  authenticatedAs?: 'user' | 'service';
  /**
   * The decider's groups: set by the API from the authenticated identity, a claim
   * otherwise. An approval ladder (I10) matches them against its tiers' groups and
   * sends them with the SubjectAccessReview.
   */
  groups?: string[];
}

/** A child's status phase changed (sent by the child watcher; the workflow re-reads the child). */
export interface ChildStatusChange {
  kind: string;
  name: string;
  phase?: string;
}

export const approveUpdate = defineUpdate<RemediationView, [DecisionInput]>('approve');
export const rejectUpdate = defineUpdate<RemediationView, [DecisionInput]>('reject');
export const approveSignal = defineSignal<[DecisionInput]>('approveSignal');
export const rejectSignal = defineSignal<[DecisionInput]>('rejectSignal');
export const childStatusChangedSignal = defineSignal<[ChildStatusChange]>('childStatusChanged');
/** Another RR with the same fingerprint or target finished: re-evaluate routing now. */
export const routingChangedSignal = defineSignal<[]>('routingChanged');
export const statusQuery = defineQuery<RemediationView>('status');
