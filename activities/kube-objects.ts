/**
 * Reading and writing kubernaut.ai objects as plain JSON (the custom-objects API
 * passes bodies through untouched).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP } from '../lib/domain.js';
import { isNotFound, kubeClients } from '../lib/kube/client.js';
import type { KubeObject } from '../lib/kube/object.js';
import { kubeRequest } from '../lib/kube/raw.js';

// The plain-JSON object shape lives in lib/ (the gateway uses it too); re-exported here for activities.
export type { KubeObject } from '../lib/kube/object.js';

export class KubeObjects {
  private readonly custom;
  constructor(readonly kc: KubeConfig) {
    this.custom = kubeClients(kc).custom;
  }

  async get(plural: string, namespace: string, name: string): Promise<KubeObject | null> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: API_GROUP,
        version: 'v1alpha1',
        namespace,
        plural,
        name,
      })) as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(plural: string, namespace: string): Promise<KubeObject[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group: API_GROUP,
      version: 'v1alpha1',
      namespace,
      plural,
    })) as { items: KubeObject[] };
    return list.items;
  }

  async create(plural: string, namespace: string, body: KubeObject): Promise<KubeObject> {
    return (await this.custom.createNamespacedCustomObject({
      group: API_GROUP,
      version: 'v1alpha1',
      namespace,
      plural,
      body,
    })) as KubeObject;
  }

  /**
   * JSON merge patch of metadata (annotations, labels) of the object itself. Given a
   * resourceVersion it applies only to that version of the object, else 409.
   */
  async mergeMetadata(
    plural: string,
    namespace: string,
    name: string,
    metadata: { annotations?: Record<string, string>; labels?: Record<string, string> },
    resourceVersion?: string,
  ) {
    return kubeRequest<KubeObject>(
      this.kc,
      'PATCH',
      `/apis/${API_GROUP}/v1alpha1/namespaces/${namespace}/${plural}/${name}`,
      { metadata: resourceVersion ? { ...metadata, resourceVersion } : metadata },
      'application/merge-patch+json',
    );
  }

  /**
   * JSON merge patch of the status subresource: sets only the given keys and leaves
   * every other field — such as the gateway's status.deduplication — as it is.
   * Needs no resourceVersion (so it cannot conflict); given one, it applies only to
   * that version of the object, else 409.
   */
  async mergeStatus(
    plural: string,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
    resourceVersion?: string,
  ) {
    return kubeRequest<KubeObject>(
      this.kc,
      'PATCH',
      `/apis/${API_GROUP}/v1alpha1/namespaces/${namespace}/${plural}/${name}/status`,
      resourceVersion ? { metadata: { resourceVersion }, status } : { status },
      'application/merge-patch+json',
    );
  }
}
