/**
 * A RemediationWorkflow object (Kubernaut's shape) → a catalog entry the analysis
 * can offer, or the reason it cannot be one. The apiserver already enforced the
 * CRD's structure; this checks what a CRD schema cannot: the parameters' own
 * schemas (a default that breaks its type, enum, pattern or bounds; a pattern that
 * is not a regular expression; a name twice), the engine we can run, the built-in
 * action a `builtin:` bundle names, the action type against the taxonomy, and our
 * matching hints. Objects loaded from files (loadCatalog) never met the apiserver,
 * so the structure is checked here too.
 *
 * The hints the deterministic catalog provider needs and Kubernaut's spec has no
 * field for (which signals a workflow answers, its prior confidence, the wording
 * of root cause and rationale) are annotations `catalog.kubernaut.ai/*`:
 * annotations survive any CRD, ours or Kubernaut's, where an extra spec field
 * would be pruned by Kubernaut's (docs/catalog.md).
 */
import { Ajv } from 'ajv';
import type { CatalogEntry } from '../analysis/catalog.js';
import type { KubeObject } from '../kube/object.js';

export const HINT = 'catalog.kubernaut.ai/';
/** The in-process actions of the WorkflowExecution controller (`builtin:<verb>` bundles). */
export const BUILTIN_VERBS = ['restart', 'scale', 'set-resources', 'delete-pod', 'cordon-node'];

export type WorkflowVerdict =
  | { ok: true; entry: CatalogEntry }
  | {
      ok: false;
      reason:
        | 'InvalidSpec'
        | 'InvalidParameters'
        | 'UnsupportedEngine'
        | 'UnknownActionType'
        | 'InvalidHints';
      message: string;
    };

const strList = { type: 'array', items: { type: 'string' }, minItems: 1 };
const param = {
  type: 'object',
  required: ['name', 'type', 'required', 'description'],
  properties: {
    name: { type: 'string', minLength: 1 },
    type: { enum: ['string', 'integer', 'boolean', 'array', 'float'] },
    required: { type: 'boolean' },
    description: { type: 'string' },
    enum: { type: 'array', items: { type: 'string' } },
    pattern: { type: 'string' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
  },
};
const specSchema = {
  type: 'object',
  required: ['version', 'actionType', 'description', 'labels', 'execution', 'parameters'],
  properties: {
    version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+' },
    actionType: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
    description: {
      type: 'object',
      required: ['what', 'whenToUse'],
      properties: { what: { type: 'string' }, whenToUse: { type: 'string' } },
    },
    labels: {
      type: 'object',
      required: ['component', 'environment', 'priority', 'severity'],
      properties: {
        component: strList,
        environment: strList,
        severity: strList,
        priority: { type: 'string' },
      },
    },
    customLabels: { type: 'object', additionalProperties: { type: 'string' } },
    execution: { type: 'object', properties: { engine: { type: 'string' }, bundle: { type: 'string' } } },
    parameters: { type: 'array', items: param, minItems: 1 },
  },
};
const validateSpec = new Ajv({ allErrors: true, strict: false }).compile(specSchema);

interface Param {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'array' | 'float';
  required: boolean;
  default?: unknown;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

/** Why a parameter's declaration contradicts itself, or undefined when it does not. */
function parameterProblem(p: Param): string | undefined {
  let re: RegExp | undefined;
  if (p.pattern !== undefined) {
    try {
      re = new RegExp(p.pattern);
    } catch (err) {
      return `pattern ${JSON.stringify(p.pattern)} is not a regular expression (${(err as Error).message})`;
    }
  }
  if (p.minimum !== undefined && p.maximum !== undefined && p.minimum > p.maximum)
    return `minimum ${p.minimum} is above maximum ${p.maximum}`;
  const v = p.default;
  if (v === undefined) return undefined;
  const typeOk = {
    string: typeof v === 'string',
    integer: Number.isInteger(v),
    float: typeof v === 'number',
    boolean: typeof v === 'boolean',
    array: Array.isArray(v),
  }[p.type];
  if (!typeOk) return `default ${JSON.stringify(v)} is not of type ${p.type}`;
  if (p.enum && !p.enum.includes(String(v)))
    return `default ${JSON.stringify(v)} is not one of ${p.enum.join(', ')}`;
  if (re && typeof v === 'string' && !re.test(v))
    return `default ${JSON.stringify(v)} does not match ${p.pattern}`;
  if (typeof v === 'number' && p.minimum !== undefined && v < p.minimum)
    return `default ${v} is below ${p.minimum}`;
  if (typeof v === 'number' && p.maximum !== undefined && v > p.maximum)
    return `default ${v} is above ${p.maximum}`;
  return undefined;
}

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * Validates one object. `actionTypes`: the taxonomy's names when known (undefined
 * skips that check, for files loaded without a cluster).
 */
export function workflowFromObject(obj: KubeObject, actionTypes?: ReadonlySet<string>): WorkflowVerdict {
  const spec = obj.spec;
  if (!validateSpec(spec))
    return {
      ok: false,
      reason: 'InvalidSpec',
      message: validateSpec.errors!.map((e) => `spec${e.instancePath} ${e.message}`).join('; '),
    };
  const s = spec as unknown as {
    version: string;
    actionType: string;
    description: { what: string; whenToUse: string };
    labels: { component: string[]; environment: string[]; severity: string[]; priority: string };
    customLabels?: Record<string, string>;
    execution: { engine?: string; bundle?: string };
    parameters: Param[];
  };
  const seen = new Set<string>();
  for (const p of s.parameters) {
    if (seen.has(p.name))
      return { ok: false, reason: 'InvalidParameters', message: `parameter ${p.name} is declared twice` };
    seen.add(p.name);
    const problem = parameterProblem(p);
    if (problem)
      return { ok: false, reason: 'InvalidParameters', message: `parameter ${p.name}: ${problem}` };
  }
  const engine = s.execution.engine ?? 'job';
  if (engine !== 'job')
    return {
      ok: false,
      reason: 'UnsupportedEngine',
      message: `engine ${engine} is not supported: this orchestrator runs built-in actions and Jobs (engine job)`,
    };
  const bundle = s.execution.bundle ?? '';
  if (!bundle) return { ok: false, reason: 'InvalidSpec', message: 'spec.execution.bundle is required' };
  const verb = bundle.startsWith('builtin:') ? bundle.slice('builtin:'.length) : 'job';
  if (verb !== 'job' && !BUILTIN_VERBS.includes(verb))
    return {
      ok: false,
      reason: 'InvalidSpec',
      message: `bundle ${bundle} names no built-in action (known: ${BUILTIN_VERBS.join(', ')})`,
    };
  if (actionTypes && !actionTypes.has(s.actionType))
    return {
      ok: false,
      reason: 'UnknownActionType',
      message: `action type ${s.actionType} is not in the taxonomy (no ActionType with that spec.name)`,
    };
  const hint = (k: string) => obj.metadata.annotations?.[`${HINT}${k}`];
  const confidence = Number(hint('confidence') ?? '0.8');
  if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1)
    return {
      ok: false,
      reason: 'InvalidHints',
      message: `annotation ${HINT}confidence must be a number from 0 to 1, got ${JSON.stringify(hint('confidence'))}`,
    };
  const actOn = hint('act-on') ?? 'owner';
  if (actOn !== 'owner' && actOn !== 'target')
    return { ok: false, reason: 'InvalidHints', message: `annotation ${HINT}act-on must be owner or target` };
  const parameters = Object.fromEntries(
    s.parameters
      .filter((p) => p.default !== undefined)
      .map((p) => [p.name, typeof p.default === 'string' ? p.default : JSON.stringify(p.default)]),
  );
  const name = obj.metadata.name;
  return {
    ok: true,
    entry: {
      workflowId: name,
      workflowName: name,
      version: s.version,
      actionType: verb,
      taxonomyActionType: s.actionType,
      executionBundle: bundle,
      description: s.description.what,
      match: {
        signalNames: list(hint('signal-names')),
        targetKinds: s.labels.component,
        ...(s.customLabels && Object.keys(s.customLabels).length ? { labels: s.customLabels } : {}),
        environments: s.labels.environment,
        severities: s.labels.severity,
        priority: s.labels.priority,
      },
      actOn,
      confidence,
      signalType: hint('signal-type') ?? s.actionType,
      rootCause:
        hint('root-cause') ?? `{{signal}} on {{kind}} {{namespace}}/{{name}}: ${s.description.whenToUse}`,
      rationale: hint('rationale') ?? s.description.what,
      parameters,
    },
  };
}
