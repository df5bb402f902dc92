/** RemediationPolicy objects for tests (docs/policies.md): created in the RRs' namespace. */
import { kube } from './index.js';

const POLICIES = { group: 'kubernaut.ai', version: 'v1alpha1', plural: 'remediationpolicies' } as const;

export function createPolicy(namespace: string, name: string, spec: Record<string, unknown>) {
  return kube().custom.createNamespacedCustomObject({
    ...POLICIES,
    namespace,
    body: {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'RemediationPolicy',
      metadata: { name, namespace },
      spec,
    },
  });
}
