/**
 * RemediationRequest reads and writes for the gateway, as plain JSON through the
 * raw client (the typed client would rename keys). Creation treats AlreadyExists as
 * "someone created it": the name comes from the claim, so whoever creates it creates
 * the same object.
 */
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { API_GROUP } from '../domain.js';
import { statusOf } from '../kube/client.js';
import type { KubeObject } from '../kube/object.js';
import { KubeHttpError, kubeRequest } from '../kube/raw.js';

const PLURAL = 'remediationrequests';
const path = (ns: string, name?: string) =>
  `/apis/${API_GROUP}/v1alpha1/namespaces/${encodeURIComponent(ns)}/${PLURAL}${name ? `/${encodeURIComponent(name)}` : ''}`;

export class RemediationRequestStore {
  constructor(
    private readonly kc: KubeConfig,
    private readonly core: CoreV1Api,
    /** Create the controller namespace when it is missing (the embedded default). */
    private readonly ensureNamespace: boolean,
  ) {}

  async get(namespace: string, name: string): Promise<KubeObject | null> {
    try {
      return await kubeRequest<KubeObject>(this.kc, 'GET', path(namespace, name));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** Creates the RR unless it exists; `created` says whether this call made it. */
  async getOrCreate(body: KubeObject): Promise<{ rr: KubeObject; created: boolean }> {
    const existing = await this.get(body.metadata.namespace!, body.metadata.name);
    if (existing) return { rr: existing, created: false };
    return this.create(body);
  }

  /**
   * Creates the RR; AlreadyExists answers the stored one (`created: false`). For a
   * name that was just claimed, so almost never there: no read first.
   */
  async create(body: KubeObject): Promise<{ rr: KubeObject; created: boolean }> {
    const ns = body.metadata.namespace!;
    for (let attempt = 0; ; attempt++) {
      try {
        return { rr: await kubeRequest<KubeObject>(this.kc, 'POST', path(ns), body), created: true };
      } catch (err) {
        if (statusOf(err) === 409) {
          const rr = await this.get(ns, body.metadata.name);
          if (rr) return { rr, created: false };
        }
        if (attempt === 0 && this.ensureNamespace && namespaceMissing(err)) {
          await this.createNamespace(ns);
          continue;
        }
        throw err;
      }
    }
  }

  /** Replaces /status; the resourceVersion in `rr` makes a concurrent change a 409. */
  async replaceStatus(rr: KubeObject): Promise<KubeObject> {
    return kubeRequest<KubeObject>(
      this.kc,
      'PUT',
      `${path(rr.metadata.namespace!, rr.metadata.name)}/status`,
      rr,
    );
  }

  private async createNamespace(name: string) {
    try {
      await this.core.createNamespace({ body: { metadata: { name } } });
    } catch (err) {
      // Created meanwhile by another replica: that is the state we wanted.
      if (statusOf(err) !== 409) throw err;
    }
  }
}

function namespaceMissing(err: unknown): boolean {
  if (!(err instanceof KubeHttpError) || err.code !== 404) return false;
  return (err.body as { details?: { kind?: string } })?.details?.kind === 'namespaces';
}
