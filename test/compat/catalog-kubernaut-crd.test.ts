/**
 * The catalog under Kubernaut's own CRDs (read at test time from the reference
 * folder, never copied): the built-in RemediationWorkflow and ActionType objects
 * and every status our catalog watch writes validate against Kubernaut's schemas
 * with nothing that its apiserver would prune; and on a control plane of this
 * file's own with Kubernaut's two CRDs installed instead of ours, the built-in
 * catalog is accepted unchanged, the watch writes its statuses there, and the
 * catalog it offers is the one our CRDs give.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import formatsModule from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeObjects } from '../../activities/kube-objects.js';
import { loadCatalog } from '../../lib/analysis/catalog.js';
import {
  applyCatalogManifests,
  DEFAULT_CATALOG_NAMESPACE,
  readCatalogManifests,
} from '../../lib/catalog/install.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { installCrds } from '../../lib/kube/install-crds.js';
import type { KubeObject } from '../../lib/kube/object.js';
import { projectPath } from '../../lib/project-root.js';
import { type StartedKube, startKube } from '../../stack/kube.js';
import { resolveTool } from '../../stack/tools.js';
import { computeCatalog } from '../../workers/controllers/catalog-status.js';
import { startCatalogWatch } from '../../workers/controllers/catalog-watch.js';
import { eventually } from '../harness/index.js';
import { referenceDir } from './kubernaut-openapi.js';

const addFormats = formatsModule.default;
const FILES = {
  RemediationWorkflow: 'kubernaut.ai_remediationworkflows.yaml',
  ActionType: 'kubernaut.ai_actiontypes.yaml',
};
// biome-ignore lint/suspicious/noExplicitAny: walking a CRD's schema
type Schema = Record<string, any>;

function kubernautSchema(kind: keyof typeof FILES): Schema {
  const crd = parse(readFileSync(join(referenceDir(), 'crds', FILES[kind]), 'utf8'));
  return crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1').schema.openAPIV3Schema;
}

/** Paths of fields the schema does not declare: what Kubernaut's apiserver would silently prune. */
function undeclared(schema: Schema | undefined, value: unknown, path = ''): string[] {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields']) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => undeclared(schema.items, v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  if (schema.additionalProperties)
    return Object.entries(value).flatMap(([k, v]) =>
      undeclared(schema.additionalProperties, v, `${path}.${k}`),
    );
  if (!schema.properties) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k in schema.properties ? undeclared(schema.properties[k], v, `${path}.${k}`) : [`${path}.${k}`],
  );
}

function validators(kind: keyof typeof FILES) {
  const schema = kubernautSchema(kind);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const spec = ajv.compile(schema.properties.spec);
  const status = ajv.compile(schema.properties.status);
  const check = (part: 'spec' | 'status', o: KubeObject) => {
    const v = part === 'spec' ? spec : status;
    expect(v(o[part]), `${kind} ${o.metadata.name} ${part}: ${JSON.stringify(v.errors)}`).toBe(true);
    expect(undeclared(schema.properties[part], o[part]), `${kind} ${o.metadata.name} ${part}`).toEqual([]);
  };
  return { spec, status, check };
}

const builtins = readCatalogManifests(projectPath('crds', 'catalog'));

describe("the built-in catalog under Kubernaut's RemediationWorkflow and ActionType schemas", () => {
  const rw = validators('RemediationWorkflow');
  const at = validators('ActionType');

  it('the validators really check: a missing field, a bad version and an undeclared field fail', () => {
    expect(rw.spec({ actionType: 'Restart' })).toBe(false);
    const good = builtins.find((o) => o.kind === 'RemediationWorkflow')!;
    expect(rw.spec({ ...good.spec, version: 'v1' })).toBe(false);
    expect(
      undeclared(kubernautSchema('RemediationWorkflow').properties.spec, { ...good.spec, match: {} }),
    ).toEqual(['.match']);
    expect(at.status({ catalogStatus: 'Fine' })).toBe(false);
  });

  it('every built-in object validates, spec and the status the watch computes, with nothing pruned', () => {
    expect(builtins.filter((o) => o.kind === 'RemediationWorkflow')).toHaveLength(loadCatalog().length);
    const workflows = builtins.filter((o) => o.kind === 'RemediationWorkflow');
    const actionTypes = builtins.filter((o) => o.kind === 'ActionType');
    const state = computeCatalog(workflows, actionTypes, new Date().toISOString());
    for (const o of workflows) {
      rw.check('spec', o);
      rw.check('status', {
        ...o,
        status: state.workflowStatus.get(`${o.metadata.namespace}/${o.metadata.name}`),
      });
    }
    for (const o of actionTypes) {
      at.check('spec', o);
      at.check('status', {
        ...o,
        status: state.actionTypeStatus.get(`${o.metadata.namespace}/${o.metadata.name}`),
      });
    }
    // An invalid workflow's status (Validated=False) is Kubernaut-valid too.
    const broken = { ...workflows[0]!, spec: { ...workflows[0]!.spec, actionType: 'NotInTaxonomy' } };
    const invalid = computeCatalog([broken], actionTypes, new Date().toISOString());
    const status = [...invalid.workflowStatus.values()][0]!;
    expect(status.catalogStatus).toBe('Invalid');
    rw.check('status', { ...broken, status });
  });
});

describe("a control plane with Kubernaut's catalog CRDs installed instead of ours", () => {
  let kube: StartedKube;
  let workDir: string;
  let watch: ReturnType<typeof startCatalogWatch> | undefined;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kube-kubernaut-catalog-'));
    kube = await startKube(
      { etcd: (await resolveTool('etcd')).path, apiserver: (await resolveTool('kube-apiserver')).path },
      workDir,
    );
    const crdDir = join(workDir, 'crds');
    mkdirSync(crdDir);
    for (const f of Object.values(FILES)) copyFileSync(join(referenceDir(), 'crds', f), join(crdDir, f));
    await installCrds(loadKubeConfig(kube.kubeconfigPath), crdDir);
  });
  afterAll(async () => {
    await watch?.stop();
    await kube?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('accepts the built-in catalog unchanged, takes the statuses the watch writes, and yields the same catalog', async () => {
    const kc = loadKubeConfig(kube.kubeconfigPath);
    await applyCatalogManifests(kc, projectPath('crds', 'catalog'));
    const objects = new KubeObjects(kc);
    for (const o of builtins) {
      const plural = o.kind === 'ActionType' ? 'actiontypes' : 'remediationworkflows';
      const stored = await objects.get(plural, DEFAULT_CATALOG_NAMESPACE, o.metadata.name);
      expect(stored?.spec, `${o.kind} ${o.metadata.name}`).toEqual(o.spec);
    }
    watch = startCatalogWatch({ kc, logger: pino({ level: 'silent' }) });
    await watch.ready;
    expect(
      watch
        .entries()
        .map((e) => e.workflowId)
        .sort(),
    ).toEqual(
      loadCatalog()
        .map((e) => e.workflowId)
        .sort(),
    );
    const rw = validators('RemediationWorkflow');
    for (const o of builtins.filter((b) => b.kind === 'RemediationWorkflow')) {
      const stored = await eventually(`${o.metadata.name} status under Kubernaut's CRD`, async () => {
        const s = await objects.get('remediationworkflows', DEFAULT_CATALOG_NAMESPACE, o.metadata.name);
        return s?.status?.contentHash ? s : undefined;
      });
      expect(stored.status).toMatchObject({ catalogStatus: 'Active' });
      rw.check('status', stored);
    }
    const restart = await eventually('RestartWorkload registered', async () => {
      const s = await objects.get('actiontypes', DEFAULT_CATALOG_NAMESPACE, 'restart-workload');
      return s?.status?.registered ? s : undefined;
    });
    expect(restart.status?.activeWorkflowCount).toBe(1);
  });
});
