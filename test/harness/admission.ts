/**
 * An apiserver that refuses: a ValidatingAdmissionPolicy bound to one namespace
 * denies CREATEs of a kubernaut.ai kind (Forbidden → 403, Invalid → 422), optionally
 * only for names with a prefix, until lifted. The refusal tests, the Kubernaut
 * compatibility sweep of the refusal paths and the chaos schedules share it.
 *
 * Policies load asynchronously. The same policy also covers ConfigMaps, so a
 * dry-run create of a ConfigMap (valid whatever the kind's schema) tells when it is
 * in force, and when it is lifted; `refuseCreates` and its lift wait for that unless
 * told not to.
 */
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { eventually, kube, stackInfo, uniqueName } from './index.js';

export interface Refusal {
  /** The resource, e.g. 'signalprocessings'. */
  plural: string;
  namespace: string;
  reason: 'Forbidden' | 'Invalid';
  message: string;
  /** Only objects whose name starts with this; default every object of the kind. */
  namePrefix?: string;
  /** Wait until the policy is in force (default true). */
  wait?: boolean;
}

function admissionApi() {
  return loadKubeConfig(stackInfo().kubeconfigPath).makeApiClient(k8s.AdmissionregistrationV1Api);
}

/** Starts refusing; the returned function lifts the refusal (idempotent). */
export async function refuseCreates(r: Refusal): Promise<() => Promise<void>> {
  const admission = admissionApi();
  const name = uniqueName('refuse');
  const probeName = `${name}-probe`;
  const probe = { metadata: { name: probeName, namespace: r.namespace } };
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['kubernaut.ai'],
              apiVersions: ['v1alpha1'],
              operations: ['CREATE'],
              resources: [r.plural],
            },
            // The probe (see the file comment).
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
          ],
        },
        validations: [
          {
            // Of ConfigMaps only its own probe: policies in force together do not answer each other's.
            expression: `request.kind.kind == 'ConfigMap' ? object.metadata.name != '${probeName}' : ${
              r.namePrefix ? `!object.metadata.name.startsWith('${r.namePrefix}')` : 'false'
            }`,
            // The policy's name makes its refusal its own: probes of two policies in force tell them apart.
            message: `${r.message} (${name})`,
            reason: r.reason,
          },
        ],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': r.namespace } },
        },
      },
    },
  });
  /** Whether a dry-run create of the probe is refused by this policy. */
  const refused = async () => {
    try {
      await kube().core.createNamespacedConfigMap({ namespace: r.namespace, body: probe, dryRun: 'All' });
      return false;
    } catch (err) {
      if (String((err as Error).message).includes(`${r.message} (${name})`)) return true;
      throw err;
    }
  };
  const what = `the policy refusing ${r.plural}${r.namePrefix ? `/${r.namePrefix}*` : ''}`;
  const lift = async () => {
    await admission.deleteValidatingAdmissionPolicyBinding({ name }).catch(() => {});
    await admission.deleteValidatingAdmissionPolicy({ name }).catch(() => {});
    // Removal takes effect asynchronously too: the next test must not meet it.
    if (r.wait !== false) await eventually(`${what} lifted`, async () => !(await refused()));
  };
  if (r.wait === false) return lift;
  await eventually(`${what} in force`, refused);
  return lift;
}
