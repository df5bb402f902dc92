/**
 * The rollback field of a RemediationPolicy (docs/policies.md) and the verdict rule:
 * which assessments of an executed remediation call for undoing it. Pure.
 *
 * - `Unrecoverable`: the assessment found the target neither healthy nor changed as
 *   the action intended.
 * - `HealthWorse`: the target's health score after the action is below the score
 *   recorded just before it (a restart whose new pods never become ready).
 *
 * `SpecDrift` is not offered: a drift is someone else's change after ours, and the
 * rollback never overwrites one (restoreDecision).
 */
import type { PriorState } from './prior-state.js';

export const ROLLBACK_TRIGGERS = ['Unrecoverable', 'HealthWorse'] as const;
export type RollbackTrigger = (typeof ROLLBACK_TRIGGERS)[number];

/** The triggers a policy spec lists (unknown values ignored; no field: none). */
export function rollbackTriggersOf(spec: Record<string, unknown> | undefined): RollbackTrigger[] {
  const on = (spec?.rollback as { on?: unknown } | undefined)?.on;
  if (!Array.isArray(on)) return [];
  return ROLLBACK_TRIGGERS.filter((t) => on.includes(t));
}

/** Whether a policy covers a target namespace (empty list: every namespace). */
export function policyCovers(spec: Record<string, unknown> | undefined, targetNamespace: string): boolean {
  const ns = spec?.targetNamespaces;
  return !Array.isArray(ns) || ns.length === 0 || ns.includes(targetNamespace);
}

export interface AssessmentFacts {
  assessmentReason?: string;
  components?: { healthAssessed?: boolean; healthScore?: number };
}

/** The first listed trigger the assessment meets; undefined: the remediation stands. */
export function rollbackTrigger(
  on: readonly RollbackTrigger[],
  ea: AssessmentFacts,
  prior: Pick<PriorState, 'health'> | undefined,
): RollbackTrigger | undefined {
  for (const t of on) {
    if (t === 'Unrecoverable' && ea.assessmentReason === 'Unrecoverable') return t;
    if (t === 'HealthWorse' && prior?.health.assessed && ea.components?.healthAssessed) {
      const after = ea.components.healthScore;
      if (typeof after === 'number' && after < prior.health.score) return t;
    }
  }
  return undefined;
}
