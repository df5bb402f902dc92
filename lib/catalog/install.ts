/**
 * Applies catalog manifests (RemediationWorkflow and ActionType objects) to the
 * cluster: the built-in catalog in crds/catalog, installed with the CRDs, or any
 * directory an operator names (KUBERNAUT_CATALOG_DIR). Idempotent: an object is
 * created when missing, its spec and annotations replaced when they differ, and
 * left alone when equal — so repeated installs write nothing, and status (the
 * controller's) is never touched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { API_GROUP } from '../domain.js';
import { isConflict, isNotFound } from '../kube/client.js';
import type { KubeObject } from '../kube/object.js';
import { kubeRequest } from '../kube/raw.js';
import { canonicalJson } from '../spec-hash.js';

const PLURALS: Record<string, string> = {
  RemediationWorkflow: 'remediationworkflows',
  ActionType: 'actiontypes',
};
export const DEFAULT_CATALOG_NAMESPACE = 'kubernaut-system';

export function readCatalogManifests(dir: string): KubeObject[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON() as KubeObject),
    )
    .filter((o) => o && o.kind in PLURALS);
}

async function ensureNamespace(kc: KubeConfig, name: string) {
  try {
    await kubeRequest(kc, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  } catch (err) {
    if (!isConflict(err)) throw err; // 409: it exists already
  }
}

/** Applies every catalog object of `dir`; `namespace` overrides the manifests' own. Returns the names applied. */
export async function applyCatalogManifests(
  kc: KubeConfig,
  dir: string,
  namespace?: string,
): Promise<string[]> {
  const applied: string[] = [];
  const namespaces = new Set<string>();
  for (const o of readCatalogManifests(dir)) {
    const ns = namespace ?? o.metadata.namespace ?? DEFAULT_CATALOG_NAMESPACE;
    if (!namespaces.has(ns)) {
      await ensureNamespace(kc, ns);
      namespaces.add(ns);
    }
    const base = `/apis/${API_GROUP}/v1alpha1/namespaces/${ns}/${PLURALS[o.kind]}`;
    const body = { ...o, metadata: { ...o.metadata, namespace: ns } };
    let existing: KubeObject | undefined;
    try {
      existing = await kubeRequest<KubeObject>(kc, 'GET', `${base}/${o.metadata.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!existing) await kubeRequest(kc, 'POST', base, body);
    else if (
      canonicalJson(existing.spec) !== canonicalJson(o.spec) ||
      canonicalJson(existing.metadata.annotations ?? {}) !== canonicalJson(o.metadata.annotations ?? {})
    ) {
      body.metadata.resourceVersion = existing.metadata.resourceVersion;
      await kubeRequest(kc, 'PUT', `${base}/${o.metadata.name}`, body);
    } else continue;
    applied.push(`${o.kind}/${ns}/${o.metadata.name}`);
  }
  return applied;
}
