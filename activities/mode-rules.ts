/**
 * The mode of a RemediationPolicy (docs/policies.md, invariant I12): how far a
 * remediation it covers may go on its own. Pure functions of the policies' specs;
 * activities/remediation-mode.ts reads them from the cluster.
 *
 * - `Automatic`: as without a policy — approval only when the analysis asks for it.
 * - `ApprovalRequired`: a person approves every execution.
 * - `Shadow`: the whole decision is made and recorded, nothing is done.
 *
 * `spec.mode.default` applies to every workflow; `spec.mode.workflows[<workflowId>]`
 * overrides it for one. Several policies covering a target: the most cautious wins
 * (Shadow over ApprovalRequired over Automatic), so adding a policy never lets a
 * remediation do more.
 */
import { REMEDIATION_MODES as MODES, type RemediationMode } from '../lib/domain.js';

export type { RemediationMode } from '../lib/domain.js';

export interface ModeDecision {
  mode: RemediationMode;
  /** The policy the mode came from; absent when no policy sets one (Automatic). */
  policy?: string;
  /** Whether it came from the policy's per-workflow entry rather than its default. */
  perWorkflow?: boolean;
}

export interface PolicyObject {
  name: string;
  spec?: Record<string, unknown>;
}

const isMode = (v: unknown): v is RemediationMode => MODES.includes(v as RemediationMode);

/** The mode one policy sets for a workflow, or undefined: it sets none (malformed values: none). */
export function policyMode(spec: Record<string, unknown> | undefined, workflowId: string) {
  const m = spec?.mode as { default?: unknown; workflows?: Record<string, unknown> } | undefined;
  if (!m || typeof m !== 'object') return undefined;
  const own = m.workflows && typeof m.workflows === 'object' ? m.workflows[workflowId] : undefined;
  if (isMode(own)) return { mode: own, perWorkflow: true };
  if (isMode(m.default)) return { mode: m.default, perWorkflow: false };
  return undefined;
}

const covers = (spec: Record<string, unknown> | undefined, ns: string) => {
  const list = spec?.targetNamespaces;
  return !Array.isArray(list) || list.length === 0 || list.includes(ns);
};

/** The mode for a workflow on a target namespace under all the policies of the RRs' namespace. */
export function decideMode(
  policies: PolicyObject[],
  targetNamespace: string,
  workflowId: string,
): ModeDecision {
  let best: ModeDecision = { mode: 'Automatic' };
  // Sorted by name so that, among equally cautious policies, the one named is stable.
  for (const p of [...policies].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!covers(p.spec, targetNamespace)) continue;
    const m = policyMode(p.spec, workflowId);
    if (m && (best.policy === undefined || MODES.indexOf(m.mode) > MODES.indexOf(best.mode)))
      best = { mode: m.mode, policy: p.name, perWorkflow: m.perWorkflow };
  }
  return best;
}
