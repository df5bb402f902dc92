/**
 * Starts the remediation workflow of one RemediationRequest — at most one run per RR.
 *
 * The workflow id is rr/<ns>/<name>, so two RRs of the same name (one deleted, one
 * re-created) share it; the RR's uid, kept in the run's memo, tells them apart.
 *
 * - A run is going: conflict policy USE_EXISTING makes the start a no-op.
 * - A run has finished for this RR: the start is refused (reuse policy
 *   REJECT_DUPLICATE). Without that refusal a start issued from a stale view of the
 *   RR (an informer event from before it finished, a retried start) ran the whole
 *   remediation a second time once the first had closed — the reliability suite saw
 *   every audit event twice under load.
 * - A run has finished for another RR of this name: a fresh run starts.
 * - The RR is terminal or restored from the audit trail: nothing starts ('refused').
 *
 * Every run closes by its RR's global timeout plus a slack, whatever its workflow
 * code does (run-backstop.ts).
 */

import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { KubeObject } from '../activities/kube-objects.js';
import { isTerminalPhase } from '../lib/domain.js';
import { RECONSTRUCTED_LABEL } from '../lib/reconstruct/build.js';
import { workflowIdFor } from '../lib/remediation-messages.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { TRACEPARENT_ANNOTATION, traceAnnotations } from '../lib/tracing/context.js';
import { TRACEPARENT_MEMO } from '../lib/tracing/incident.js';
import type { RemediationInput } from '../workflows/remediation.js';
import { DEFAULT_RUN_SLACK_MS, runExecutionTimeoutMs } from './run-backstop.js';

/**
 * running: this RR's run is going (new or not); finished: this RR's run has closed;
 * refused: this RR must never run (terminal already, or restored from the audit trail).
 */
export type StartOutcome = 'running' | 'finished' | 'refused';

export async function startRemediation(
  client: Client,
  rr: KubeObject,
  taskQueue: string,
  settings?: RemediationInput['settings'],
  /** Past the RR's global timeout, how long the run may stay open (run-backstop.ts). */
  runSlackMs: number = DEFAULT_RUN_SLACK_MS,
): Promise<StartOutcome> {
  const { namespace = 'default', name, uid } = rr.metadata;
  // I4 (docs/invariants.md): a restored RR records a remediation that already ran,
  // and a terminal RR has finished; neither ever starts one, whoever asks.
  if (
    rr.metadata.labels?.[RECONSTRUCTED_LABEL] === 'true' ||
    isTerminalPhase(rr.status?.overallPhase as string | undefined)
  )
    return 'refused';
  const workflowId = workflowIdFor(namespace, name);
  const spec = rr.spec as unknown as RemediationRequestSpec;
  const input: RemediationInput = {
    namespace,
    name,
    uid: uid!,
    spec,
    timeoutOverrides: timeoutOverridesOf(rr),
    settings:
      rr.metadata.annotations?.['kubernaut.ai/dry-run'] === 'true' ? { ...settings, dryRun: true } : settings,
  };
  // With tracing on: the incident's context (the launcher's span), for work that
  // arrives later as its own request, such as an approval (lib/tracing/incident.ts).
  const traceparent = traceAnnotations()[TRACEPARENT_ANNOTATION];
  // I1's backstop: a run stuck on a workflow task that always fails still closes.
  const workflowExecutionTimeout = runExecutionTimeoutMs(
    settings?.defaultTimeouts,
    input.timeoutOverrides ?? {},
    runSlackMs,
  );
  const start = async (reuse: WorkflowIdReusePolicy) => {
    await client.workflow.start('remediationWorkflow', {
      taskQueue,
      workflowId,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: reuse,
      args: [input],
      workflowExecutionTimeout,
      memo: { uid, ...(traceparent ? { [TRACEPARENT_MEMO]: traceparent } : {}) },
      staticSummary: `${spec.signalName} (${spec.severity}) on ${targetDisplay(spec.targetResource)}`,
      staticDetails: `RemediationRequest ${namespace}/${name}, fingerprint ${spec.signalFingerprint}`,
    });
    return 'running' as const;
  };
  try {
    return await start(WorkflowIdReusePolicy.REJECT_DUPLICATE);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // A closed run holds the id. Whose was it?
  const last = await client.workflow.getHandle(workflowId).describe();
  if (last.memo?.uid === uid) return 'finished';
  return await start(WorkflowIdReusePolicy.ALLOW_DUPLICATE);
}

/**
 * Per-RR timeouts: status.timeoutConfig (Kubernaut's place) and, because create
 * drops status, annotations `kubernaut.ai/timeout-<key>` (e.g. timeout-awaitingApproval: 5m).
 */
export function timeoutOverridesOf(rr: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rr.metadata.annotations ?? {})) {
    const m = /^kubernaut\.ai\/timeout-(\w+)$/.exec(k);
    if (m) out[m[1]!] = v;
  }
  return { ...out, ...((rr.status?.timeoutConfig as Record<string, string> | undefined) ?? {}) };
}
