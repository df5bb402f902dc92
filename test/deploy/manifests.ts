/**
 * Reading deploy/ as the cluster would get it: every YAML document of a
 * kustomization's resources (without running kustomize: the base lists plain
 * files), and the RBAC part moved into a test namespace with unique names for
 * the cluster-scoped objects, so a test can apply it to the shared cluster.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BASE = join(REPO, 'deploy/base');

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field
export type Manifest = Record<string, any>;

export function readDocs(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${path}: ${d.errors[0]!.message}`);
    return d.toJSON() as Manifest;
  });
}

export function kustomization(dir: string): Manifest {
  return readDocs(join(dir, 'kustomization.yaml'))[0]!;
}

/** The documents of every file a kustomization lists (files only; directories are not followed). */
export function resourcesOf(dir: string): Manifest[] {
  const k = kustomization(dir);
  return (k.resources as string[]).filter((r) => r.endsWith('.yaml')).flatMap((r) => readDocs(join(dir, r)));
}

export const baseManifests = () => resourcesOf(BASE);

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const CONTROLLER_NAMESPACE = 'kubernaut-system';

/**
 * The base's ServiceAccounts and RBAC for one test: namespaced objects move from
 * kubernaut-system to `namespace`; cluster-scoped roles and bindings get `suffix`
 * (and every reference to them follows), so parallel runs never share them.
 */
export function rbacFor(namespace: string, suffix: string): Manifest[] {
  const renamed = (kind: string, name: string) =>
    kind === 'ClusterRole' || kind === 'ClusterRoleBinding' ? `${name}-${suffix}` : name;
  return baseManifests()
    .filter((m) => RBAC_KINDS.includes(m.kind))
    .map((m) => {
      const out = structuredClone(m);
      out.metadata.name = renamed(m.kind, m.metadata.name);
      if (m.metadata.namespace === CONTROLLER_NAMESPACE) out.metadata.namespace = namespace;
      if (out.roleRef) out.roleRef.name = renamed(out.roleRef.kind, out.roleRef.name);
      for (const s of out.subjects ?? []) if (s.namespace === CONTROLLER_NAMESPACE) s.namespace = namespace;
      return out;
    });
}
