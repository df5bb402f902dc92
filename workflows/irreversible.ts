/**
 * An action that cannot be undone is never auto-approved (docs/invariants.md I11): when
 * the analysis selects a built-in action declared not compensable
 * (lib/rollback/compensable.ts) and did not ask for a person, the workflow asks —
 * whatever the confidence — and says why in the approval request.
 */
import { patched } from '@temporalio/workflow';
import { needsApprovalAsIrreversible } from '../lib/rollback/compensable.js';
import { ROLLBACK_PATCH } from './rollback.js';

type Approval = { approvalRequired?: boolean; approvalReason?: string } & Record<string, unknown>;

/** The analysis status, with approval required when its action cannot be undone. */
export function requireApprovalIfIrreversible(
  status: Record<string, unknown>,
  actionType: string | undefined,
): Record<string, unknown> {
  const approval = (status.approval ?? {}) as Approval;
  if (approval.approvalRequired === true || !actionType || !needsApprovalAsIrreversible(actionType))
    return status;
  if (!patched(ROLLBACK_PATCH)) return status;
  return {
    ...status,
    approval: {
      ...approval,
      approvalRequired: true,
      approvalReason: `${actionType} cannot be undone (no rollback), so a person must approve it whatever the confidence`,
    },
  };
}
