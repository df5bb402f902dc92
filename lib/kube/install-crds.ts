/**
 * Installs (create or replace) the CRDs in a directory and waits until each one is
 * Established, so objects of those kinds can be created right after. The built-in
 * remediation catalog (RemediationWorkflow and ActionType objects in the
 * directory's catalog/ folder) is applied with them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { applyCatalogManifests } from '../catalog/install.js';
import { projectPath } from '../project-root.js';
import { isNotFound, kubeClients } from './client.js';
import { kubeRequest } from './raw.js';

export const PROJECT_CRD_DIR = projectPath('crds');

export function readCrds(dir = PROJECT_CRD_DIR): V1CustomResourceDefinition[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON()))
    .filter((d): d is V1CustomResourceDefinition => d?.kind === 'CustomResourceDefinition');
}

export async function installCrds(
  kc: KubeConfig,
  dir = PROJECT_CRD_DIR,
  timeoutMs = 60_000,
): Promise<string[]> {
  const { ext } = kubeClients(kc);
  const crds = readCrds(dir);
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    // Raw JSON: the typed client would drop the x-kubernetes-* keys (see raw.ts).
    try {
      const existing = await kubeRequest<V1CustomResourceDefinition>(kc, 'GET', `${base}/${name}`);
      crd.metadata!.resourceVersion = existing.metadata?.resourceVersion;
      await kubeRequest(kc, 'PUT', `${base}/${name}`, crd);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await kubeRequest(kc, 'POST', base, crd);
    }
  }
  const names = crds.map((c) => c.metadata!.name!);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await ext.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (established) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Established is not yet servable: for a moment the API server answers 429
  // "storage is (re)initializing". Wait until each kind can be listed, so watchers
  // started right after do not begin with an error.
  for (const crd of crds) {
    const { group, names, versions } = crd.spec;
    const path = `/apis/${group}/${versions[0]!.name}/${names.plural}?limit=1`;
    for (;;) {
      const ok = await kubeRequest(kc, 'GET', path).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`${names.plural}.${group} not servable after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (existsSync(join(dir, 'catalog'))) await applyCatalogManifests(kc, join(dir, 'catalog'));
  return names;
}

/** Removes CRDs (for switching to another set, e.g. Kubernaut's own). */
export async function uninstallCrds(kc: KubeConfig, names: string[], timeoutMs = 60_000): Promise<void> {
  const { ext } = kubeClients(kc);
  for (const name of names)
    await ext.deleteCustomResourceDefinition({ name }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      try {
        await ext.readCustomResourceDefinition({ name });
      } catch (e) {
        if (isNotFound(e)) break;
        throw e;
      }
      if (Date.now() > deadline) throw new Error(`CRD ${name} still present after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
