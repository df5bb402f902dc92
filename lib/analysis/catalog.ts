/**
 * The remediation-workflow catalog: YAML files (lib/catalog/*.yaml by default),
 * one workflow each, validated with ajv when loaded so a typo fails the worker at
 * start rather than an analysis later. `catalogProvider` is the default,
 * deterministic analysis provider: it matches the signal name, the kind of the
 * object to act on and its labels against each entry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { projectPath } from '../project-root.js';
import type { AnalysisInput, AnalysisProvider, AnalysisResult } from './provider.js';

export const DEFAULT_CATALOG_DIR = projectPath('lib', 'catalog');

export interface CatalogEntry {
  workflowId: string;
  workflowName: string;
  version: string;
  actionType: string;
  /** builtin:<action>, or a container image run as a Kubernetes Job. */
  executionBundle: string;
  description?: string;
  match: { signalNames: string[]; targetKinds: string[]; labels?: Record<string, string> };
  /** Act on the signal's target itself, or on its top-level owner (default). */
  actOn?: 'target' | 'owner';
  confidence: number;
  signalType: string;
  rootCause: string;
  rationale: string;
  parameters?: Record<string, string>;
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const entrySchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'workflowId',
    'workflowName',
    'version',
    'actionType',
    'executionBundle',
    'match',
    'confidence',
    'signalType',
    'rootCause',
    'rationale',
  ],
  properties: {
    workflowId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
    workflowName: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    actionType: { enum: ['restart', 'scale', 'set-resources', 'delete-pod', 'cordon-node', 'job'] },
    executionBundle: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    match: {
      type: 'object',
      additionalProperties: false,
      required: ['signalNames', 'targetKinds'],
      properties: { signalNames: stringList, targetKinds: stringList, labels: stringMap },
    },
    actOn: { enum: ['target', 'owner'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    signalType: { type: 'string', minLength: 1 },
    rootCause: { type: 'string', minLength: 1 },
    rationale: { type: 'string', minLength: 1 },
    parameters: stringMap,
  },
} as const;
const validateEntry = new Ajv({ allErrors: true }).compile<CatalogEntry>(entrySchema);

export function loadCatalog(dir = DEFAULT_CATALOG_DIR): CatalogEntry[] {
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => {
      const doc = parse(readFileSync(join(dir, f), 'utf8'));
      if (!validateEntry(doc))
        throw new Error(
          `catalog ${f}: ${validateEntry.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
        );
      return doc;
    });
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.workflowId)) throw new Error(`catalog: workflowId ${e.workflowId} appears twice`);
    ids.add(e.workflowId);
  }
  return entries;
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
  return catalog
    .filter((e) => {
      const t = actionTarget(e, input);
      const labels = t.labels ?? {};
      return (
        e.match.signalNames.some((n) => n.toLowerCase() === signal) &&
        e.match.targetKinds.includes(t.kind) &&
        Object.entries(e.match.labels ?? {}).every(([k, v]) => labels[k] === v)
      );
    })
    .sort(
      (a, b) =>
        Object.keys(b.match.labels ?? {}).length - Object.keys(a.match.labels ?? {}).length ||
        b.confidence - a.confidence,
    );
}

export function catalogProvider(catalog: CatalogEntry[]): AnalysisProvider {
  return {
    name: 'catalog',
    async analyse(input): Promise<AnalysisResult> {
      const [entry] = matchCatalog(catalog, input);
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
