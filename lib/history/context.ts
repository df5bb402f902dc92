/**
 * The remediation history of one target, in Kubernaut's RemediationHistoryContext
 * shape, computed from audit rows (pure; lib/history/query.ts reads the rows).
 *
 * A remediation "touched" the target when its trail says which workflow it
 * selected for it: our `workflowexecution.selection.completed` (event_data.target)
 * or Kubernaut's `remediation.workflow_created` (event_data.target_resource) — so
 * trails written by Kubernaut's own orchestrator count too. Its outcome comes from
 * `workflowexecution.workflow.completed|failed` (ours) or the terminal
 * `orchestrator.lifecycle.*` event; its effect from the `effectiveness.*` events
 * (Kubernaut's monitor or our EffectivenessAssessment controller: the weighted
 * score, the completion's reason) and from the RR's outcome (Remediated /
 * Inconclusive). Remediations still running have
 * no completedAt and are left out.
 *
 * Tier 1 lists everything within its window; tier 2 (older, within its own window)
 * is filled only when the current spec hash equals a pre-remediation hash there —
 * the target went back to a state that was remediated before (regression).
 */
import { effectivenessScore } from '../effectiveness/score.js';

export interface HistoryRow {
  correlation_id: string;
  event_type: string;
  event_timestamp: Date;
  event_data: Record<string, unknown>;
}

export interface HistoryEntry {
  remediationUID: string;
  signalFingerprint?: string;
  signalType?: string;
  actionType: string | null;
  /** An extension over Kubernaut's entry: the workflow that ran (RemediationWorkflow name). */
  workflowId?: string;
  outcome: 'Success' | 'Failed' | 'Escalated';
  effectivenessScore: number | null;
  signalResolved: boolean | null;
  hashMatch?: 'preRemediation' | 'postRemediation' | 'none';
  preRemediationSpecHash?: string;
  postRemediationSpecHash?: string;
  sideEffects?: string[];
  completedAt: string;
  /**
   * Absent until an assessment says: Kubernaut's schema marks it nullable but its
   * enum has no null, which OpenAPI 3.0.3 reads as "null not allowed".
   */
  assessmentReason?: string;
  assessedAt?: string;
}

export interface HistoryContext {
  targetResource: string;
  currentSpecHash: string;
  regressionDetected: boolean;
  tier1: { window: string; chain: HistoryEntry[] };
  tier2: {
    window: string;
    chain: Omit<
      HistoryEntry,
      | 'signalFingerprint'
      | 'preRemediationSpecHash'
      | 'postRemediationSpecHash'
      | 'sideEffects'
      | 'assessedAt'
    >[];
  };
}

export interface HistoryQuery {
  /** namespace/Kind/name, or Kind/name for a cluster-scoped kind. */
  target: string;
  currentSpecHash: string;
  tier1Window: string;
  tier1Ms: number;
  tier2Window: string;
  tier2Ms: number;
  clusterId?: string;
}

/** The event types the history reads (the anchors, outcomes and effects). */
export const HISTORY_EVENT_TYPES = [
  'orchestrator.lifecycle.started',
  'workflowexecution.selection.completed',
  'remediation.workflow_created',
  'workflowexecution.workflow.completed',
  'workflowexecution.workflow.failed',
  'orchestrator.lifecycle.completed',
  'orchestrator.lifecycle.failed',
  'effectiveness.assessment.completed',
  'effectiveness.health.assessed',
  'effectiveness.alert.assessed',
  'effectiveness.metrics.assessed',
  'effectiveness.hash.computed',
];

const ASSESSMENT_REASONS = [
  'Full',
  'Partial',
  'SpecDrift',
  'Expired',
  'NoExecution',
  'MetricsTimedOut',
  'AlertDecayTimeout',
  'Unrecoverable',
];
/** Kubernaut's EM writes reasons in snake case ("full", "spec_drift"); the history answers in the enum's case. */
const assessmentReason = (r: unknown): string | null => {
  if (typeof r !== 'string') return null;
  const camel = r.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  return ASSESSMENT_REASONS.find((a) => a.toLowerCase() === camel.toLowerCase()) ?? null;
};
const bare = (h: string | undefined) => h?.replace(/^sha256:/, '');
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

function entryOf(uid: string, rows: HistoryRow[], currentSpecHash: string): HistoryEntry | undefined {
  const first = (type: string) => rows.find((r) => r.event_type === type);
  const started = first('orchestrator.lifecycle.started');
  const sel = first('workflowexecution.selection.completed');
  const created = first('remediation.workflow_created');
  const done = first('workflowexecution.workflow.completed');
  const failed = first('workflowexecution.workflow.failed');
  const ended = first('orchestrator.lifecycle.completed') ?? first('orchestrator.lifecycle.failed');
  const ea = first('effectiveness.assessment.completed');
  const hashed = first('effectiveness.hash.computed');
  // The weighted score of the assessment's components (lib/effectiveness, the same
  // as GET /api/v1/effectiveness/{id}); a completion that carries a score of its own otherwise.
  const weighted = effectivenessScore(
    uid,
    rows.filter((r) => r.event_type.startsWith('effectiveness.')),
  ).score;
  const finished = done ?? failed ?? ended;
  if (!finished) return undefined; // still running
  const outcome: HistoryEntry['outcome'] = done
    ? 'Success'
    : failed || ended?.event_type === 'orchestrator.lifecycle.failed'
      ? 'Failed'
      : 'Success';
  const change = obj(done?.event_data.change);
  const pre =
    str(created?.event_data.pre_remediation_spec_hash) ??
    str(change.beforeSpecHash) ??
    str(hashed?.event_data.pre_remediation_spec_hash);
  const post = str(change.afterSpecHash) ?? str(hashed?.event_data.post_remediation_spec_hash);
  const rrOutcome = str(ended?.event_data.outcome) ?? str(ended?.event_data.crd_outcome);
  const score = weighted ?? ea?.event_data.score;
  return {
    remediationUID: uid,
    ...(str(created?.event_data.signal_fingerprint)
      ? { signalFingerprint: str(created?.event_data.signal_fingerprint) }
      : {}),
    ...((str(created?.event_data.signal_type) ?? str(started?.event_data.signal_name))
      ? { signalType: str(created?.event_data.signal_type) ?? str(started?.event_data.signal_name) }
      : {}),
    actionType: str(created?.event_data.action_type) ?? str(sel?.event_data.actionType) ?? null,
    ...(str(sel?.event_data.workflowId) ? { workflowId: str(sel?.event_data.workflowId) } : {}),
    outcome,
    effectivenessScore: typeof score === 'number' && score >= 0 && score <= 1 ? score : null,
    signalResolved:
      rrOutcome === 'Remediated'
        ? true
        : rrOutcome === 'Inconclusive' || rrOutcome === 'RolledBack'
          ? false
          : outcome === 'Failed'
            ? false
            : null,
    ...(pre || post
      ? {
          hashMatch:
            pre && bare(pre) === bare(currentSpecHash)
              ? 'preRemediation'
              : post && bare(post) === bare(currentSpecHash)
                ? 'postRemediation'
                : 'none',
        }
      : {}),
    ...(pre ? { preRemediationSpecHash: pre } : {}),
    ...(post ? { postRemediationSpecHash: post } : {}),
    ...(failed ? { sideEffects: [] } : {}),
    completedAt: finished.event_timestamp.toISOString(),
    ...(assessmentReason(ea?.event_data.reason)
      ? { assessmentReason: assessmentReason(ea?.event_data.reason)! }
      : {}),
    ...(ea ? { assessedAt: str(ea.event_data.completed_at) ?? ea.event_timestamp.toISOString() } : {}),
  };
}

export function buildHistoryContext(rows: HistoryRow[], q: HistoryQuery, now = Date.now()): HistoryContext {
  const byUid = new Map<string, HistoryRow[]>();
  for (const r of rows) byUid.set(r.correlation_id, [...(byUid.get(r.correlation_id) ?? []), r]);
  const entries = [...byUid.entries()]
    .map(([uid, rs]) => entryOf(uid, rs, q.currentSpecHash))
    .filter((e): e is HistoryEntry => !!e)
    .sort((a, b) => a.completedAt.localeCompare(b.completedAt));
  const tier1Start = now - q.tier1Ms;
  const tier2Start = now - q.tier2Ms;
  const tier1 = entries.filter((e) => Date.parse(e.completedAt) >= tier1Start);
  const older = entries.filter(
    (e) => Date.parse(e.completedAt) < tier1Start && Date.parse(e.completedAt) >= tier2Start,
  );
  const regressed = (e: HistoryEntry) => e.hashMatch === 'preRemediation';
  const tier2 = older.some(regressed)
    ? older.map(
        ({
          signalFingerprint,
          preRemediationSpecHash,
          postRemediationSpecHash,
          sideEffects,
          assessedAt,
          ...rest
        }) => rest,
      )
    : [];
  return {
    targetResource: q.target,
    currentSpecHash: q.currentSpecHash,
    regressionDetected: [...tier1, ...older].some(regressed),
    tier1: { window: q.tier1Window, chain: tier1 },
    tier2: { window: q.tier2Window, chain: tier2 },
  };
}
