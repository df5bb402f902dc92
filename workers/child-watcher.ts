/**
 * Child watchers: when a child's status phase (or an RAR's decision, or a
 * WorkflowExecution's executionStatus) changes, tell the owning workflow with the
 * childStatusChanged signal. The signal carries no
 * truth; the workflow re-reads the child, so duplicate or reordered signals are
 * harmless. With tracing on, the signal is sent in the child's trace (the context
 * the workflow wrote on it), so it shows in the incident's trace.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import { context } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { KubeObject } from '../activities/kube-objects.js';
import { CHILD_KINDS, type ChildKind } from '../lib/kinds.js';
import { childStatusChangedSignal, workflowIdFor } from '../lib/remediation-messages.js';
import { type RunningInformer, watchKind } from './informer.js';
import { traceContextOf } from './remediation-trace.js';
import { signalDurably } from './signal-durably.js';

export function startChildWatchers(opts: {
  client: Client;
  kc: KubeConfig;
  namespace?: string;
  log: (msg: string) => void;
}): RunningInformer {
  let stopped = false;
  const watched = (Object.keys(CHILD_KINDS) as ChildKind[]).filter((k) => k !== 'NotificationRequest');
  const informers = watched.map((kind) => {
    const field = CHILD_KINDS[kind].field;
    const last = new Map<string, string | undefined>();
    return watchKind(
      opts.kc,
      CHILD_KINDS[kind].plural,
      {
        onUpsert(child: KubeObject) {
          const key = `${child.metadata.namespace}/${child.metadata.name}`;
          const value = child.status?.[field] as string | undefined;
          // A stopped execution stays Failed; its stop (executionStatus) is news too (I2).
          const seen =
            kind === 'WorkflowExecution'
              ? `${value}/${(child.status?.executionStatus as { status?: string } | undefined)?.status}`
              : value;
          if (last.has(key) && last.get(key) === seen) return;
          last.set(key, seen);
          if (value === undefined) return;
          const owner = child.metadata.ownerReferences?.find(
            (r) => r.kind === 'RemediationRequest' && r.controller,
          );
          if (!owner) return;
          const signal = () =>
            signalDurably(
              opts.client,
              workflowIdFor(child.metadata.namespace ?? 'default', owner.name),
              childStatusChangedSignal,
              [{ kind, name: child.metadata.name, phase: value }],
              { stopped: () => stopped, log: opts.log },
            );
          const traced = traceContextOf(child);
          void (traced ? context.with(traced, signal) : signal());
        },
        onDelete(child) {
          last.delete(`${child.metadata.namespace}/${child.metadata.name}`);
        },
      },
      opts.log,
      opts.namespace,
    );
  });
  return {
    ready: Promise.all(informers.map((i) => i.ready)).then(() => {}),
    async stop() {
      stopped = true;
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
