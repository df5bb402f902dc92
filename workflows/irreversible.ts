/**
 * An action that cannot be undone is never auto-approved (docs/invariants.md I11): when
 * the analysis selects an action not declared compensable (lib/rollback/compensable.ts)
 * and did not ask for a person, the workflow asks — whatever the confidence — and says
 * why in the approval request. Only restart, set-resources and scale declare how they
 * are undone; delete-pod and cordon-node declare they cannot be, and a container
 * bundle declares nothing, which counts as cannot.
 */
import { patched } from '@temporalio/workflow';
import { approvalNeededFor } from '../lib/rollback/compensable.js';
import { ROLLBACK_PATCH } from './rollback.js';

/**
 * Runs from before this patch auto-approved an action that declares nothing (a
 * container bundle); under ROLLBACK_PATCH alone only delete-pod and cordon-node asked.
 */
export const UNDECLARED_ACTIONS_PATCH = 'undeclared-actions-need-approval';

type Approval = { approvalRequired?: boolean; approvalReason?: string } & Record<string, unknown>;

/** The analysis status, with approval required when its action cannot be undone. */
export function requireApprovalIfIrreversible(
  status: Record<string, unknown>,
  actionType: string | undefined,
): Record<string, unknown> {
  const approval = (status.approval ?? {}) as Approval;
  if (approval.approvalRequired === true || !actionType) return status;
  const why = approvalNeededFor(actionType);
  if (!why) return status;
  if (!patched(why === 'irreversible' ? ROLLBACK_PATCH : UNDECLARED_ACTIONS_PATCH)) return status;
  return {
    ...status,
    approval: {
      ...approval,
      approvalRequired: true,
      approvalReason:
        why === 'irreversible'
          ? `${actionType} cannot be undone (no rollback), so a person must approve it whatever the confidence`
          : `${actionType} declares no way to undo it (only restart, set-resources and scale can be rolled back), so a person must approve it whatever the confidence`,
    },
  };
}
