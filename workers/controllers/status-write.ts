/**
 * Compare-and-set writes of a child's status. A JSON merge patch of the status
 * subresource that carries metadata.resourceVersion is applied only if the object
 * is still at that version (else 409 Conflict), so of two replicas that read the
 * same version only one write lands; the other re-reads and sees the result.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../activities/kube-objects.js';
import { API_GROUP } from '../../lib/domain.js';
import { kubeRequest } from '../../lib/kube/raw.js';

/** A merge patch of `obj` (or its status subresource) that lands only at its current resourceVersion. */
async function patchIfUnchanged(
  kc: KubeConfig,
  plural: string,
  obj: KubeObject,
  subresource: '' | '/status',
  body: { metadata?: Record<string, unknown>; status?: Record<string, unknown> },
): Promise<KubeObject> {
  const { namespace, name, resourceVersion } = obj.metadata;
  if (!resourceVersion) throw new Error(`${plural} ${namespace}/${name} has no resourceVersion`);
  return kubeRequest<KubeObject>(
    kc,
    'PATCH',
    `/apis/${API_GROUP}/v1alpha1/namespaces/${namespace}/${plural}/${name}${subresource}`,
    { ...body, metadata: { ...body.metadata, resourceVersion } },
    'application/merge-patch+json',
  );
}

export const writeStatusIfUnchanged = (
  kc: KubeConfig,
  plural: string,
  obj: KubeObject,
  status: Record<string, unknown>,
): Promise<KubeObject> => patchIfUnchanged(kc, plural, obj, '/status', { status });

/**
 * Compare-and-set of annotations (a merge patch of the object, not its status): for
 * what a controller keeps that its kind's status has no field for in Kubernaut's
 * CRD. Returns the object at its new resourceVersion, for the status write after it.
 */
export const annotateIfUnchanged = (
  kc: KubeConfig,
  plural: string,
  obj: KubeObject,
  annotations: Record<string, string>,
): Promise<KubeObject> => patchIfUnchanged(kc, plural, obj, '', { metadata: { annotations } });

/** The owning RemediationRequest's name, from the controller owner reference. */
export const ownerRRName = (obj: KubeObject): string | undefined =>
  obj.metadata.ownerReferences?.find((r) => r.kind === 'RemediationRequest' && r.controller)?.name;

export const nowIso = () => new Date().toISOString();

export { parseDuration } from '../../lib/duration.js';
