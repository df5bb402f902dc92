/**
 * Built-in SignalProcessing controller (DESIGN §6): reads the signal's target and
 * its namespace, resolves the owner chain, classifies environment and business
 * priority, normalises severity, and writes the result as status.
 *
 * Two replicas: every step is a read, and the one write is compare-and-set on the
 * resourceVersion we read (status-write.ts), so at most one result lands and the
 * other replica, on its 409, re-reads a Completed object and stops.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../activities/kube-objects.js';
import { assignPriority, classifyEnvironment, normaliseSeverity } from '../../lib/classification.js';
import { CHILD_KINDS } from '../../lib/kinds.js';
import { resolveOwnerChain } from '../../lib/kube/owner-chain.js';
import { describeTarget, readObject, type TargetRef } from '../../lib/kube/target.js';
import type { SignalProcessingConfig } from './config.js';
import type { Reconciler } from './reconcile-loop.js';
import { nowIso, writeStatusIfUnchanged } from './status-write.js';

const plural = CHILD_KINDS.SignalProcessing.plural;

export function signalProcessingReconciler(kc: KubeConfig, cfg: SignalProcessingConfig = {}): Reconciler {
  return {
    name: 'signalprocessing',
    plural,
    isDone: (o) => ['Completed', 'Failed'].includes(o.status?.phase as string),
    async reconcile(sp) {
      await writeStatusIfUnchanged(kc, plural, sp, await enrich(kc, sp, cfg));
      return undefined;
    },
  };
}

type Signal = {
  name?: string;
  severity?: string;
  targetResource?: TargetRef;
};

/** The status to write: Completed with the enrichment, or Failed saying what is missing. */
async function enrich(kc: KubeConfig, sp: KubeObject, cfg: SignalProcessingConfig) {
  const now = nowIso();
  const signal = (sp.spec?.signal ?? {}) as Signal;
  const failed = (error: string) => ({
    phase: 'Failed',
    completionTime: now,
    failureInfo: { error, lastFailureTime: now, consecutiveFailures: 1 },
  });
  const t = signal.targetResource;
  if (!t?.kind || !t.name) return failed('the signal names no target resource');
  const target = await readObject(kc, t);
  if (!target) return failed(`${describeTarget(t)} not found`);

  const ns = t.namespace ? await readObject(kc, { kind: 'Namespace', name: t.namespace }) : null;
  if (t.namespace && !ns) return failed(`Namespace ${t.namespace} not found`);
  const nsLabels = ns?.metadata.labels ?? {};
  const { chain, top } = await resolveOwnerChain(kc, target, t.namespace);

  const severity = normaliseSeverity(signal.severity);
  const env = classifyEnvironment(t.namespace, nsLabels);
  const priority = assignPriority(severity, env.environment, cfg.priorityMatrix);
  return {
    phase: 'Completed',
    startTime: (sp.status?.startTime as string | undefined) ?? now,
    completionTime: now,
    kubernetesContext: {
      degradedMode: false,
      ...(t.namespace
        ? {
            namespace: {
              name: t.namespace,
              labels: nsLabels,
              ...(ns?.metadata.annotations ? { annotations: ns.metadata.annotations } : {}),
            },
          }
        : {}),
      // The workload is what owns the target at the top of the chain (the Deployment of a Pod).
      workload: {
        kind: top.kind ?? t.kind,
        name: top.metadata.name,
        labels: top.metadata.labels ?? {},
      },
      ownerChain: chain,
    },
    environmentClassification: { ...env, classifiedAt: now },
    priorityAssignment: {
      priority,
      source: cfg.priorityMatrix ? 'configured-matrix' : 'default-matrix',
      policyName: 'severity-x-environment',
      assignedAt: now,
    },
    signalClassification: {
      severity,
      signalMode: 'reactive',
      ...(signal.name ? { signalName: signal.name } : {}),
    },
  };
}
