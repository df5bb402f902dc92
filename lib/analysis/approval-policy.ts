/**
 * The declarative approval policy (DESIGN §6): a person must approve an action in
 * the listed environments, on the listed (sensitive) kinds, or below a confidence.
 * Each rule that fires is named, so the approval reason says exactly why.
 */

export interface ApprovalPolicy {
  name: string;
  environments: string[];
  sensitiveKinds: string[];
  /** Approval is required below this confidence. */
  minConfidence: number;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  name: 'builtin-approval-policy',
  environments: ['Production'],
  sensitiveKinds: ['StatefulSet', 'Node'],
  minConfidence: 0.8,
};

export interface ApprovalDecision {
  approvalRequired: boolean;
  /** Names of the rules that fired, e.g. environment:Production. */
  matchedRules: string[];
  reason?: string;
}

export function evaluateApproval(
  policy: ApprovalPolicy,
  facts: { environment: string; targetKind: string; confidence: number },
): ApprovalDecision {
  const matched: string[] = [];
  const why: string[] = [];
  if (policy.environments.includes(facts.environment)) {
    matched.push(`environment:${facts.environment}`);
    why.push(`the target is in the ${facts.environment} environment`);
  }
  if (policy.sensitiveKinds.includes(facts.targetKind)) {
    matched.push(`sensitive-kind:${facts.targetKind}`);
    why.push(`${facts.targetKind} is a sensitive kind`);
  }
  if (facts.confidence < policy.minConfidence) {
    matched.push(`confidence-below:${policy.minConfidence}`);
    why.push(`confidence ${facts.confidence} is below ${policy.minConfidence}`);
  }
  return {
    approvalRequired: matched.length > 0,
    matchedRules: matched,
    ...(why.length ? { reason: `Approval required: ${why.join('; ')}` } : {}),
  };
}
