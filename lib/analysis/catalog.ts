/**
 * The remediation-workflow catalog as the analysis sees it: entries built from
 * RemediationWorkflow objects (lib/catalog/workflow-object.ts) — live from the
 * cluster through the catalog watch (workers/controllers/catalog-watch.ts), or
 * from manifest files with `loadCatalog` (the built-in ones in crds/catalog).
 * `catalogProvider` is the default, deterministic analysis provider: it matches
 * the signal name, the kind of the object to act on, its labels and the signal's
 * environment, severity and priority against each entry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { workflowFromObject } from '../catalog/workflow-object.js';
import type { KubeObject } from '../kube/object.js';
import { projectPath } from '../project-root.js';
import { repeatedlyFailed } from './history-policy.js';
import type { AnalysisInput, AnalysisProvider, AnalysisResult } from './provider.js';

/** The built-in catalog: RemediationWorkflow and ActionType manifests, installed with the CRDs. */
export const DEFAULT_CATALOG_DIR = projectPath('crds', 'catalog');

export interface CatalogEntry {
  /** metadata.name of the RemediationWorkflow. */
  workflowId: string;
  workflowName: string;
  version: string;
  /** The executor: a built-in action (restart, scale, …) or `job` for a container image. */
  actionType: string;
  /** spec.actionType: the taxonomy's PascalCase name (RestartWorkload). */
  taxonomyActionType?: string;
  /** builtin:<action>, or a container image run as a Kubernetes Job. */
  executionBundle: string;
  description?: string;
  match: {
    signalNames: string[];
    targetKinds: string[];
    labels?: Record<string, string>;
    /** "*" or absent: any. */
    environments?: string[];
    severities?: string[];
    priority?: string;
  };
  /** Act on the signal's target itself, or on its top-level owner (default). */
  actOn?: 'target' | 'owner';
  confidence: number;
  signalType: string;
  rootCause: string;
  rationale: string;
  parameters?: Record<string, string>;
}

/** A catalog fixed at load (an array) or read live at each analysis (a function). */
export type CatalogSource = CatalogEntry[] | (() => CatalogEntry[]);
export const catalogEntries = (c: CatalogSource) => (typeof c === 'function' ? c() : c);

/** The RemediationWorkflow objects in a directory of manifests (other kinds skipped). */
export function readWorkflowManifests(dir = DEFAULT_CATALOG_DIR): KubeObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON() as KubeObject),
    )
    .filter((o) => o?.kind === 'RemediationWorkflow');
}

/** Entries of a directory of manifests; an invalid workflow fails the load (a typo fails at start). */
export function loadCatalog(dir = DEFAULT_CATALOG_DIR): CatalogEntry[] {
  const ids = new Set<string>();
  return readWorkflowManifests(dir).map((o) => {
    const v = workflowFromObject(o);
    if (!v.ok) throw new Error(`catalog ${o.metadata?.name}: ${v.reason}: ${v.message}`);
    if (ids.has(v.entry.workflowId)) throw new Error(`catalog: workflow ${v.entry.workflowId} appears twice`);
    ids.add(v.entry.workflowId);
    return v.entry;
  });
}

/** The object an entry acts on: the signal's target, or its top-level owner. */
export function actionTarget(entry: Pick<CatalogEntry, 'actOn'>, input: AnalysisInput) {
  if (entry.actOn === 'target' || !input.workload) return { ...input.target, labels: undefined };
  return {
    kind: input.workload.kind,
    name: input.workload.name,
    namespace: input.target.namespace,
    labels: input.workload.labels,
  };
}

const fill = (text: string, input: AnalysisInput, t: { kind: string; name: string }) =>
  text
    .replaceAll('{{signal}}', input.signalName)
    .replaceAll('{{kind}}', t.kind)
    .replaceAll('{{name}}', t.name)
    .replaceAll('{{namespace}}', input.target.namespace ?? '');

/** Entries that fit, most specific first (more labels matched), then most confident. */
export function matchCatalog(catalog: CatalogEntry[], input: AnalysisInput): CatalogEntry[] {
  const signal = input.signalName.toLowerCase();
  const fits = (allowed: string[] | undefined, value: string) =>
    !allowed || allowed.some((a) => a === '*' || a.toLowerCase() === value.toLowerCase());
  return catalog
    .filter((e) => {
      const t = actionTarget(e, input);
      const labels = t.labels ?? {};
      return (
        e.match.signalNames.some((n) => n.toLowerCase() === signal) &&
        fits(e.match.targetKinds, t.kind) &&
        fits(e.match.environments, input.environment) &&
        fits(e.match.severities, input.severity) &&
        fits(e.match.priority ? [e.match.priority] : undefined, input.businessPriority) &&
        Object.entries(e.match.labels ?? {}).every(([k, v]) => labels[k] === v)
      );
    })
    .sort(
      (a, b) =>
        Object.keys(b.match.labels ?? {}).length - Object.keys(a.match.labels ?? {}).length ||
        b.confidence - a.confidence,
    );
}

export function catalogProvider(catalog: CatalogSource): AnalysisProvider {
  return {
    name: 'catalog',
    async analyse(input): Promise<AnalysisResult> {
      const fits = matchCatalog(catalogEntries(catalog), input);
      // Pass over a workflow that keeps failing on this object when another fits (history-policy.ts).
      const entry =
        fits.find((e) => !repeatedlyFailed(input, e.workflowId, actionTarget(e, input))) ?? fits[0];
      if (!entry) {
        const on = input.workload ?? input.target;
        return {
          rootCause: `No known remediation for ${input.signalName} on ${on.kind} ${on.name}`,
          signalType: input.signalName,
          noMatchReason: `no workflow in the catalog matches signal ${input.signalName} on a ${on.kind}`,
        };
      }
      const t = actionTarget(entry, input);
      return {
        rootCause: fill(entry.rootCause, input, t),
        signalType: entry.signalType,
        contributingFactors: [
          `signal ${input.signalName}`,
          `severity ${input.severity}`,
          `environment ${input.environment}`,
        ],
        remediationTarget: { kind: t.kind, name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) },
        workflow: {
          workflowId: entry.workflowId,
          workflowName: entry.workflowName,
          version: entry.version,
          actionType: entry.actionType,
          executionBundle: entry.executionBundle,
          confidence: entry.confidence,
          rationale: fill(entry.rationale, input, t),
          parameters: entry.parameters ?? {},
        },
      };
    },
  };
}
