/**
 * The shadow report (docs/policies.md "Shadow report", invariant I12): per workflow,
 * how often a shadow decided to act and how often what came after contradicted it —
 * the evidence to promote a workflow from Shadow to ApprovalRequired to Automatic.
 * Computed from the audit trail alone, so it covers any period the trail keeps.
 *
 * - A _decision_ is an `orchestrator.shadow.decided` event in [since, until] whose
 *   target is in the scope (`event_data.target_namespace`; no scope: every one).
 * - It _would act_ when both verdicts let it: routing `proceed` and budget `available`
 *   (an automatic run would have executed at once, after approval when
 *   `would_require_approval`).
 * - It is _contradicted_ when, within `window` after it, either
 *   - _a later signal_: another remediation of the same target started
 *     (`orchestrator.lifecycle.started` of another RR whose `event_data.target` is the
 *     decision's `target` or `signal_target`):
 *     the problem came back or persisted, whatever was done instead; or
 *   - _a person acted_: an audit event with `actor_type = 'user'` naming the same target
 *     (`event_data.target`, as above), e.g. a manual change recorded through the audit API.
 * - It is _open_ while its window has not closed and nothing contradicted it yet.
 */
import type pg from 'pg';

export interface ShadowReportQuery {
  /** Target namespace; undefined: every scope. */
  scope?: string;
  since: Date;
  until: Date;
  /** How long after a decision a signal or a person's action contradicts it (ms). */
  windowMs: number;
}

export interface WorkflowShadowStats {
  workflowId: string;
  decisions: number;
  wouldAct: number;
  wouldRequireApproval: number;
  /** Decisions a routing rule or a spent budget would have held back. */
  wouldWait: number;
  contradicted: number;
  contradictedBySignal: number;
  contradictedByPerson: number;
  /** Decisions whose window is still open and not contradicted. */
  open: number;
}

export interface ShadowReport {
  scope: string | null;
  since: string;
  until: string;
  window_ms: number;
  /** Decisions counted (at most MAX_DECISIONS, oldest first; `truncated` says when more matched). */
  truncated: boolean;
  workflows: WorkflowShadowStats[];
}

export const MAX_DECISIONS = 10_000;

interface Decision {
  rr: string;
  at: number;
  workflowId: string;
  /** The remediation's target and the signal's (the same unless the analysis chose another). */
  targets: string[];
  wouldAct: boolean;
  wouldRequireApproval: boolean;
}

interface Follower {
  rr: string;
  at: number;
  target: string;
  kind: 'signal' | 'person';
}

export async function shadowReport(pool: pg.Pool, q: ShadowReportQuery): Promise<ShadowReport> {
  const decided = await pool.query(
    `SELECT correlation_id, event_timestamp, event_data FROM audit_events
      WHERE event_type = 'orchestrator.shadow.decided'
        AND event_timestamp >= $1 AND event_timestamp <= $2
        AND ($3::text IS NULL OR event_data->>'target_namespace' = $3)
      ORDER BY event_timestamp, event_id LIMIT $4`,
    [q.since, q.until, q.scope ?? null, MAX_DECISIONS + 1],
  );
  const truncated = decided.rows.length > MAX_DECISIONS;
  const decisions: Decision[] = decided.rows.slice(0, MAX_DECISIONS).map((r) => {
    const d = r.event_data as Record<string, unknown>;
    const verdict = (k: string) => (d[k] as { verdict?: string } | undefined)?.verdict;
    return {
      rr: r.correlation_id as string,
      at: (r.event_timestamp as Date).getTime(),
      workflowId: String(d.workflow_id ?? 'unknown'),
      targets: [...new Set([d.target, d.signal_target].filter((t): t is string => typeof t === 'string'))],
      wouldAct: verdict('routing') === 'proceed' && verdict('budget') === 'available',
      wouldRequireApproval: d.would_require_approval === true,
    };
  });
  const followers = await followersOf(pool, decisions, q);
  const now = Date.now();
  const byWorkflow = new Map<string, WorkflowShadowStats>();
  for (const d of decisions) {
    const s = byWorkflow.get(d.workflowId) ?? blank(d.workflowId);
    byWorkflow.set(d.workflowId, s);
    s.decisions++;
    if (d.wouldAct) s.wouldAct++;
    else s.wouldWait++;
    if (d.wouldRequireApproval) s.wouldRequireApproval++;
    const after = d.targets
      .flatMap((t) => followers.get(t) ?? [])
      .filter(
        // A person's note on the shadow's own trail counts; its own start does not.
        (f) => (f.kind === 'person' || f.rr !== d.rr) && f.at > d.at && f.at <= d.at + q.windowMs,
      );
    const bySignal = after.some((f) => f.kind === 'signal');
    const byPerson = after.some((f) => f.kind === 'person');
    if (bySignal) s.contradictedBySignal++;
    if (byPerson) s.contradictedByPerson++;
    if (bySignal || byPerson) s.contradicted++;
    else if (now < d.at + q.windowMs) s.open++;
  }
  return {
    scope: q.scope ?? null,
    since: q.since.toISOString(),
    until: q.until.toISOString(),
    window_ms: q.windowMs,
    truncated,
    workflows: [...byWorkflow.values()].sort((a, b) => a.workflowId.localeCompare(b.workflowId)),
  };
}

const blank = (workflowId: string): WorkflowShadowStats => ({
  workflowId,
  decisions: 0,
  wouldAct: 0,
  wouldRequireApproval: 0,
  wouldWait: 0,
  contradicted: 0,
  contradictedBySignal: 0,
  contradictedByPerson: 0,
  open: 0,
});

/** Later remediations of, and people's actions on, the decisions' targets, by target. */
async function followersOf(pool: pg.Pool, decisions: Decision[], q: ShadowReportQuery) {
  const out = new Map<string, Follower[]>();
  if (decisions.length === 0) return out;
  const targets = [...new Set(decisions.flatMap((d) => d.targets))];
  const from = new Date(Math.min(...decisions.map((d) => d.at)));
  const to = new Date(Math.max(...decisions.map((d) => d.at)) + q.windowMs);
  const { rows } = await pool.query(
    `SELECT correlation_id, event_timestamp, event_data->>'target' AS target,
            CASE WHEN actor_type = 'user' THEN 'person' ELSE 'signal' END AS kind
       FROM audit_events
      WHERE event_timestamp > $1 AND event_timestamp <= $2
        AND event_data->>'target' = ANY($3)
        AND (event_type = 'orchestrator.lifecycle.started' OR actor_type = 'user')`,
    [from, to, targets],
  );
  for (const r of rows) {
    const f: Follower = {
      rr: r.correlation_id as string,
      at: (r.event_timestamp as Date).getTime(),
      target: r.target as string,
      kind: r.kind as Follower['kind'],
    };
    out.set(f.target, [...(out.get(f.target) ?? []), f]);
  }
  return out;
}
