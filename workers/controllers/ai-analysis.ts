/**
 * Built-in AIAnalysis controller (DESIGN §6): asks the configured provider
 * (default: the live catalog of RemediationWorkflow objects) what is wrong and which workflow fits, then applies
 * the same rules to every provider's answer — confidence below `minConfidence`
 * fails the analysis for human review; the approval policy decides whether a
 * person must approve; nothing fitting ends in manual review or no action. The
 * answer goes where Kubernaut's CRD has it: status.rcaResult (root cause, its
 * analysis, the selected workflow). The workflow records the target's spec hash
 * itself when it sees the analysis (Kubernaut's CRD has no field for it here).
 *
 * Two replicas: the provider call has no side effect, and the one status write
 * is compare-and-set on the resourceVersion read (status-write.ts), so only one
 * answer lands — even from a non-deterministic model.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../activities/kube-objects.js';
import { DEFAULT_APPROVAL_POLICY, evaluateApproval } from '../../lib/analysis/approval-policy.js';
import { type CatalogEntry, type CatalogSource, catalogProvider } from '../../lib/analysis/catalog.js';
import { REPEAT_FAILURE_LIMIT, recentFailures } from '../../lib/analysis/history-policy.js';
import {
  type AnalysisInput,
  type AnalysisProvider,
  type AnalysisResult,
  InvalidAnalysisError,
} from '../../lib/analysis/provider.js';
import type { HistorySource } from '../../lib/history/query.js';
import { CHILD_KINDS } from '../../lib/kinds.js';
import { targetSpecHash } from '../../lib/kube/target.js';
import { targetDisplay } from '../../lib/remediation-request.js';
import type { AnalysisConfig } from './config.js';
import { openAiProvider } from './openai-provider.js';
import type { Reconciler } from './reconcile-loop.js';
import { nowIso, writeStatusIfUnchanged } from './status-write.js';

const plural = CHILD_KINDS.AIAnalysis.plural;
const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

export function makeAnalysisProvider(cfg: AnalysisConfig, catalog: CatalogSource): AnalysisProvider {
  if (cfg.provider && typeof cfg.provider === 'object') return cfg.provider;
  if (cfg.provider === 'openai') {
    if (!cfg.openai) throw new Error('aiAnalysis.provider is openai but aiAnalysis.openai is not configured');
    return openAiProvider(cfg.openai, catalog);
  }
  return catalogProvider(catalog);
}

/**
 * `catalog`: the live catalog (catalog-watch.ts); analyses wait until it is loaded.
 * `history`: remediation history from the audit trail, given to the provider and
 * applied by history-policy.ts; when it cannot be read the analysis is retried
 * (a workflow that keeps failing must not run again for want of its history).
 */
export function aiAnalysisReconciler(
  kc: KubeConfig,
  cfg: AnalysisConfig,
  catalog: { entries(): CatalogEntry[]; ready: Promise<void> },
  history?: HistorySource,
): Reconciler {
  const provider = makeAnalysisProvider(cfg, () => catalog.entries());
  return {
    name: 'aianalysis',
    plural,
    isDone: (o) => ['Completed', 'Failed'].includes(o.status?.phase as string),
    async reconcile(aa) {
      await catalog.ready;
      const startedAt = (aa.status?.startedAt as string | undefined) ?? nowIso();
      const input = analysisInput(aa);
      if (history) input.history = await historyOf(kc, history, input);
      let status: Record<string, unknown>;
      try {
        status = decide(cfg, input, await provider.analyse(input));
      } catch (err) {
        if (!(err instanceof InvalidAnalysisError)) throw err; // transient: the loop retries
        status = {
          phase: 'Failed',
          reason: 'WorkflowResolutionFailed',
          subReason: 'LLMParsingError',
          message: err.message,
          review: { needsHumanReview: true, humanReviewReason: 'llm_parsing_error' },
        };
      }
      await writeStatusIfUnchanged(kc, plural, aa, { startedAt, completedAt: nowIso(), ...status });
      return undefined;
    },
  };
}

/** The history of the signal's target and, when it has one, of its workload. */
async function historyOf(kc: KubeConfig, history: HistorySource, input: AnalysisInput) {
  const objects = [input.target];
  const w = input.workload;
  // A Deployment's workload is itself: ask once.
  if (w && (w.kind !== input.target.kind || w.name !== input.target.name))
    objects.push({ kind: w.kind, name: w.name, namespace: input.target.namespace });
  return Promise.all(objects.map(async (t) => history(t, (await targetSpecHash(kc, t)) ?? '')));
}

function analysisInput(aa: KubeObject): AnalysisInput {
  const ctx = obj(obj(aa.spec?.analysisRequest).signalContext);
  const workload = obj(obj(obj(ctx.enrichmentResults).kubernetesContext).workload);
  return {
    signalName: String(ctx.signalName ?? ''),
    severity: String(ctx.severity ?? 'unknown'),
    environment: String(ctx.environment ?? 'Unknown'),
    businessPriority: String(ctx.businessPriority ?? 'P3'),
    target: ctx.targetResource as AnalysisInput['target'],
    ...(workload.kind && workload.name ? { workload: workload as unknown as AnalysisInput['workload'] } : {}),
    signalAnnotations: (ctx.signalAnnotations as Record<string, string>) ?? {},
  };
}

/** Applies thresholds and the approval policy to a provider's answer. */
function decide(cfg: AnalysisConfig, input: AnalysisInput, r: AnalysisResult) {
  const remediationTarget = r.remediationTarget ?? input.target;
  const rootCauseAnalysis = {
    summary: r.rootCause,
    signalType: r.signalType,
    ...(['critical', 'high', 'warning', 'info', 'unknown'].includes(input.severity)
      ? { severity: input.severity }
      : {}),
    ...(r.contributingFactors ? { contributingFactors: r.contributingFactors } : {}),
    remediationTarget,
  };
  // Kubernaut's place for the analysis: status.rcaResult.
  const rca = { rootCause: r.rootCause, rootCauseAnalysis };
  const common = { rcaResult: rca };
  const w = r.workflow;
  if (!w) {
    const review = (cfg.noMatch ?? 'manual-review') === 'manual-review';
    return {
      ...common,
      phase: 'Completed',
      reason: 'AnalysisCompleted',
      subReason: 'NoMatchingWorkflows',
      message: review
        ? `Manual review needed: ${r.noMatchReason ?? 'no matching workflow'}`
        : `No action required: ${r.noMatchReason ?? 'no matching workflow'}`,
      review: review
        ? { needsHumanReview: true, humanReviewReason: 'no_matching_workflows' }
        : { needsHumanReview: false },
    };
  }
  const minConfidence = cfg.minConfidence ?? 0.7;
  // A workflow that keeps failing on this object: lower confidence, a person decides (history-policy.ts).
  const failures = recentFailures(input.history, w.workflowId, remediationTarget);
  const repeated = failures >= REPEAT_FAILURE_LIMIT;
  const repeatReason = `${w.workflowId} failed ${failures} times on ${targetDisplay(remediationTarget)} in the last 24h`;
  if (repeated && w.confidence >= minConfidence) w.confidence = minConfidence;
  const selectedWorkflow = { ...w, selectedAt: nowIso() };
  if (w.confidence < minConfidence) {
    return {
      rcaResult: { ...rca, selectedWorkflow },
      phase: 'Failed',
      reason: 'WorkflowResolutionFailed',
      subReason: 'LowConfidence',
      message: `Confidence ${w.confidence} in ${w.workflowId} is below ${minConfidence}; a person should review`,
      review: { needsHumanReview: true, humanReviewReason: 'low_confidence' },
    };
  }
  const policy = { ...DEFAULT_APPROVAL_POLICY, ...cfg.approvalPolicy };
  const evaluated = evaluateApproval(policy, {
    environment: input.environment,
    targetKind: remediationTarget.kind,
    confidence: w.confidence,
  });
  const approval = repeated
    ? {
        approvalRequired: true,
        reason: evaluated.reason ? `${repeatReason}; ${evaluated.reason}` : repeatReason,
        matchedRules: [...evaluated.matchedRules, 'repeated-failure'],
      }
    : evaluated;
  const level = w.confidence >= 0.8 ? 'high' : w.confidence >= 0.6 ? 'medium' : 'low';
  return {
    rcaResult: { ...rca, selectedWorkflow },
    phase: 'Completed',
    reason: 'AnalysisCompleted',
    message: `Selected ${w.workflowId} (${w.actionType}) with confidence ${w.confidence}${repeated ? ` (lowered: ${repeatReason})` : ''}`,
    approval: {
      approvalRequired: approval.approvalRequired,
      ...(approval.reason ? { approvalReason: approval.reason } : {}),
      approvalContext: {
        reason: approval.reason ?? 'no approval rule applies',
        confidenceScore: w.confidence,
        confidenceLevel: level,
        investigationSummary: r.rootCause,
        whyApprovalRequired: approval.reason ?? 'not required',
        recommendedActions: [{ workflowId: w.workflowId, rationale: w.rationale }],
        policyEvaluation: {
          policyName: policy.name,
          decision: approval.approvalRequired ? 'ManualReviewRequired' : 'Approved',
          matchedRules: approval.matchedRules,
        },
      },
    },
  };
}
