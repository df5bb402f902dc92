/**
 * The rebuilt RR carries only what the RemediationRequest CRD declares — ours and
 * Kubernaut's, which agree (docs/kubernaut-compatibility.md). The trail also says
 * when approval and verification started, which RAR asked, what the two
 * annotation-only timeouts were and who decided the approval: the live RR keeps none
 * of that in its status, so the rebuilt one does not either (an apiserver would
 * prune it on apply, and a comparison with the live RR would differ). What a reader
 * of the reconstruction still wants goes where the live RR keeps it: the timeouts in
 * their `kubernaut.ai/timeout-<phase>` annotations, the approval decision in an
 * annotation of its own. Mapping and completeness work on the full tree before this.
 */

export const APPROVAL_ANNOTATION = 'kubernaut.ai/approval-decision';

/** phaseProgress fields the workflow's view has and the CRD does not. */
const UNDECLARED_PROGRESS = [
  'awaitingApprovalStartTime',
  'verifyingStartTime',
  'remediationApprovalRequestRef',
];
/** Timeouts the CRD's timeoutConfig declares; the others live in annotations. */
const DECLARED_TIMEOUTS = new Set(['global', 'processing', 'analyzing', 'executing']);

export function declaredStatus(status: Record<string, unknown>): {
  status: Record<string, unknown>;
  annotations: Record<string, string>;
} {
  const { approval, phaseProgress, timeoutConfig, ...rest } = status;
  const annotations: Record<string, string> = {};
  const out: Record<string, unknown> = { ...rest };
  if (phaseProgress && typeof phaseProgress === 'object') {
    const progress = { ...(phaseProgress as Record<string, unknown>) };
    for (const k of UNDECLARED_PROGRESS) delete progress[k];
    if (Object.keys(progress).length) out.phaseProgress = progress;
  }
  if (timeoutConfig && typeof timeoutConfig === 'object') {
    const declared: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(timeoutConfig as Record<string, unknown>)) {
      if (DECLARED_TIMEOUTS.has(k)) declared[k] = v;
      else if (typeof v === 'string') annotations[`kubernaut.ai/timeout-${k}`] = v;
    }
    if (Object.keys(declared).length) out.timeoutConfig = declared;
  }
  const decision = approval as { decision?: string } | undefined;
  if (decision?.decision) annotations[APPROVAL_ANNOTATION] = JSON.stringify(approval);
  return { status: out, annotations };
}
