/**
 * The RR launcher: one remediation workflow per RemediationRequest. Starting is
 * idempotent (workflow id rr/<ns>/<name>, conflict policy USE_EXISTING) and skipped
 * for RRs already terminal, so re-lists after a disconnect start nothing twice.
 * Deleting an RR cancels its workflow.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { KubeObject } from '../activities/kube-objects.js';
import { isTerminalPhase } from '../lib/domain.js';
import type { RemediationRequestSpec } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import { TASK_QUEUE, workflowIdFor } from '../workflows/definitions.js';
import type { RemediationInput } from '../workflows/remediation.js';
import { type RunningInformer, watchKind } from './informer.js';

export interface LauncherOptions {
  client: Client;
  kc: KubeConfig;
  taskQueue?: string;
  namespace?: string;
  settings?: RemediationInput['settings'];
  log: (msg: string) => void;
}

export function startLauncher(opts: LauncherOptions): RunningInformer {
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const retries = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const start = async (rr: KubeObject, attempt = 0): Promise<void> => {
    const { namespace = 'default', name, uid } = rr.metadata;
    const key = `${namespace}/${name}`;
    const spec = rr.spec as unknown as RemediationRequestSpec;
    const input: RemediationInput = {
      namespace,
      name,
      uid: uid!,
      spec,
      timeoutOverrides: timeoutOverridesOf(rr),
      settings: opts.settings,
    };
    try {
      await opts.client.workflow.start('remediationWorkflow', {
        taskQueue,
        workflowId: workflowIdFor(namespace, name),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        args: [input],
        memo: { uid },
        staticSummary: `${spec.signalName} (${spec.severity}) on ${targetDisplay(spec.targetResource)}`,
        staticDetails: `RemediationRequest ${key}, fingerprint ${spec.signalFingerprint}`,
      });
    } catch (err) {
      if (stopped) return;
      // Temporal unreachable or busy: try again, with backoff, while the RR exists.
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      opts.log(`start ${key} failed (${(err as Error).message}); retrying in ${delay} ms`);
      retries.set(
        key,
        setTimeout(() => void start(rr, attempt + 1), delay),
      );
    }
  };

  const informer = watchKind(
    opts.kc,
    'remediationrequests',
    {
      onUpsert(rr) {
        if (rr.metadata.deletionTimestamp || isTerminalPhase(rr.status?.overallPhase as string | undefined))
          return;
        // Status updates by the workflow arrive here too; starting is a no-op for them.
        void start(rr);
      },
      onDelete(rr) {
        const { namespace = 'default', name } = rr.metadata;
        const pending = retries.get(`${namespace}/${name}`);
        if (pending) clearTimeout(pending);
        opts.client.workflow
          .getHandle(workflowIdFor(namespace, name))
          .cancel()
          .catch(() => {}); // already finished or never started: nothing to cancel
      },
    },
    opts.log,
    opts.namespace,
  );
  return {
    ready: informer.ready,
    async stop() {
      stopped = true;
      for (const t of retries.values()) clearTimeout(t);
      await informer.stop();
    },
  };
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
