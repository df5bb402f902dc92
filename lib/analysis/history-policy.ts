/**
 * What remediation history changes in an analysis (docs/catalog.md, "History"):
 * a workflow that failed REPEAT_FAILURE_LIMIT times or more on the same object in
 * the detailed window (24 h) is not proposed again as if nothing happened.
 *  - The catalog provider passes over it when another workflow fits.
 *  - When it is still the choice (the only fit, or a model's pick), the controller
 *    lowers its confidence to the threshold (minConfidence) and requires approval,
 *    saying why: a person decides whether a third attempt is worth it.
 */
import type { HistoryContext } from '../history/context.js';
import { historyTarget } from '../history/query.js';
import type { AnalysisInput } from './provider.js';

export const REPEAT_FAILURE_LIMIT = 2;

/** Failed runs of `workflowId` on `target` in the detailed window of the input's history. */
export function recentFailures(
  history: HistoryContext[] | undefined,
  workflowId: string,
  target: { kind: string; name: string; namespace?: string },
): number {
  const t = historyTarget(target);
  const failed = (history ?? [])
    .filter((h) => h.targetResource === t)
    .flatMap((h) => h.tier1.chain)
    .filter((e) => e.workflowId === workflowId && e.outcome === 'Failed');
  return new Set(failed.map((e) => e.remediationUID)).size; // one remediation counts once
}

export const repeatedlyFailed = (
  input: AnalysisInput,
  workflowId: string,
  target: Parameters<typeof recentFailures>[2],
) => recentFailures(input.history, workflowId, target) >= REPEAT_FAILURE_LIMIT;
