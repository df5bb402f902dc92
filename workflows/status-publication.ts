/**
 * Where a remediation's state shows outside the workflow: the RR status (projected
 * from the live view, status-projection.ts), the search attributes that list and
 * filter remediations, and the Web UI's details line.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { targetDisplay } from '../lib/remediation-request.js';
import type { Remediation } from './context.js';
import { SA } from './search-attributes.js';
import { projectStatus } from './status-projection.js';

/** Publishes the view, then writes the RR status from it. */
export async function writeStatus(r: Remediation): Promise<void> {
  publish(r);
  await r.steps.writeRemediationStatus({
    namespace: r.owner.namespace,
    name: r.owner.name,
    uid: r.owner.uid,
    status: projectStatus(r.view, r.spec, { forPatch: true, kubernaut: r.kubernautShapes }),
  });
}

/** Search attributes and the Web UI's details line. */
export function publish(r: Remediation): void {
  upsertSearchAttributes([
    { key: SA.phase, value: r.view.phase },
    { key: SA.signalName, value: r.spec.signalName },
    { key: SA.severity, value: r.spec.severity },
    { key: SA.target, value: targetDisplay(r.spec.targetResource) },
    { key: SA.fingerprint, value: r.spec.signalFingerprint },
    ...(r.view.outcome ? [{ key: SA.outcome, value: r.view.outcome }] : []),
    ...(r.blockReason ? [{ key: SA.blockReason, value: r.blockReason }] : []),
    {
      key: SA.approval,
      value:
        r.view.approval.decision ??
        (r.view.phase === 'AwaitingApproval'
          ? 'Pending'
          : r.view.approval.required
            ? 'Required'
            : 'NotRequired'),
    },
  ]);
  setCurrentDetails(
    `**${r.view.phase}** — ${r.view.message}\n\n${r.spec.signalName} (${r.spec.severity}) on ${targetDisplay(r.spec.targetResource)}`,
  );
}
