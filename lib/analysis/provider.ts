/**
 * The analysis provider interface of the AIAnalysis controller: given what
 * enrichment found about a signal, say what is wrong and which remediation
 * workflow (if any) fits. The controller applies confidence thresholds and the
 * approval policy on top, so every provider is held to the same rules.
 */
import type { HistoryContext } from '../history/context.js';

export interface AnalysisInput {
  signalName: string;
  severity: string;
  environment: string;
  businessPriority: string;
  target: { kind: string; name: string; namespace?: string };
  /** Top-level owner of the target, from enrichment (Deployment of a Pod). */
  workload?: { kind: string; name: string; labels?: Record<string, string> };
  signalAnnotations?: Record<string, string>;
  /**
   * Remediation history of the signal's target and of its workload (one context
   * each, Kubernaut's RemediationHistoryContext shape): what was tried, with what
   * effect. See history-policy.ts for what it changes.
   */
  history?: HistoryContext[];
}

export interface SelectedWorkflow {
  workflowId: string;
  workflowName: string;
  version: string;
  actionType: string;
  executionBundle: string;
  confidence: number;
  rationale: string;
  parameters: Record<string, string>;
}

export interface AnalysisResult {
  rootCause: string;
  signalType: string;
  contributingFactors?: string[];
  /** The object to act on, when it is not the signal's target (a Pod's Deployment). */
  remediationTarget?: { kind: string; name: string; namespace?: string };
  /** Absent when nothing fits: the controller then asks for review or reports no action. */
  workflow?: SelectedWorkflow;
  /** Why nothing fits, in words. */
  noMatchReason?: string;
}

export interface AnalysisProvider {
  readonly name: string;
  analyse(input: AnalysisInput): Promise<AnalysisResult>;
}

/** A provider's answer that cannot be used (malformed, unknown workflow): fails the analysis. */
export class InvalidAnalysisError extends Error {}
