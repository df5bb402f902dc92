/**
 * Reads the mode a remediation runs in (activities/mode-rules.ts, invariant I12)
 * from the RemediationPolicies of the RRs' namespace, at decision time: a policy
 * changed a moment ago applies to the next remediation that reaches its decision,
 * with no restart (nothing here caches it).
 */
import type * as k8s from '@kubernetes/client-node';
import { isNotFound, kubeClients } from '../lib/kube/client.js';
import type { KubeObject } from './kube-objects.js';
import { decideMode, type ModeDecision } from './mode-rules.js';

export function createRemediationModeActivities(kc: k8s.KubeConfig) {
  const { custom } = kubeClients(kc);
  return {
    /**
     * The mode for `workflowId` on a target in `targetNamespace`. Read-only, so
     * idempotent: a retry or a re-run after a worker died reads the policies again,
     * and the workflow acts on the one answer its history records.
     */
    async readRemediationMode(input: {
      namespace: string;
      targetNamespace: string;
      workflowId: string;
    }): Promise<ModeDecision> {
      let items: KubeObject[];
      try {
        const list = (await custom.listNamespacedCustomObject({
          group: 'kubernaut.ai',
          version: 'v1alpha1',
          namespace: input.namespace,
          plural: 'remediationpolicies',
        })) as { items: KubeObject[] };
        items = list.items;
      } catch (err) {
        // The kind is not installed (Kubernaut's CRDs alone): no policy, Automatic.
        if (isNotFound(err)) return { mode: 'Automatic' };
        throw err;
      }
      const policies = items.map((p) => ({ name: p.metadata.name, spec: p.spec }));
      return decideMode(policies, input.targetNamespace, input.workflowId);
    },
  };
}
