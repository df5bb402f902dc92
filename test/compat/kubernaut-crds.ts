/**
 * Kubernaut's CRDs as test data: a validator per kind built from each CRD's
 * openAPIV3Schema (read at test time from the reference directory, never copied),
 * and a sweep that validates every kubernaut.ai object left in a namespace.
 *
 * The schemas are Kubernetes structural schemas, so the validator gives their
 * extensions the apiserver's meaning before ajv sees them:
 *   - x-kubernetes-int-or-string: an integer or a string;
 *   - x-kubernetes-preserve-unknown-fields: undeclared fields are kept;
 *     everywhere else an undeclared field would be pruned by the apiserver, so it is
 *     reported (as "pruned"), not silently allowed as plain JSON Schema would;
 *   - enums, nullable, and the formats in use (date-time, Go's duration, int32/int64).
 * x-kubernetes-validations (CEL) are transition rules (oldSelf) but for one; the
 * apiserver enforces them all in kubernaut-crds-installed.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { parse } from 'yaml';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { referenceDir } from './kubernaut-openapi.js';

const addFormats = formatsModule.default;

type Schema = Record<string, unknown>;

export interface KubernautCrd {
  kind: string;
  plural: string;
  /** The CRD file as Kubernaut ships it (for installing it in an apiserver). */
  manifest: Record<string, unknown>;
  validate: ValidateFunction;
}

/** Gives the structural-schema extensions their apiserver meaning (in place, on a copy). */
export function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (!node || typeof node !== 'object') return node;
  const s: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    s[k] = k === 'enum' || k === 'default' || k === 'example' ? v : structural(v);
  }
  if (s['x-kubernetes-int-or-string']) {
    delete s.type;
    s.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s.type === 'object' && s.properties && !preserve && s.additionalProperties === undefined) {
    s.additionalProperties = false;
  }
  return s;
}

/** Every kind's validator (spec, status and the rest of the object), by kind. */
export function kubernautCrds(): Map<string, KubernautCrd> {
  const dir = join(referenceDir(), 'crds');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Kubernetes' "duration" is Go's time.ParseDuration ("1h", "5m0s"), not ISO 8601's.
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  const crds = new Map<string, KubernautCrd>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const manifest = parse(readFileSync(join(dir, file), 'utf8'));
    const version = manifest.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
    const schema = structural(version.schema.openAPIV3Schema) as Schema;
    // metadata is the apiserver's own (ObjectMeta), declared as a bare object.
    (schema.properties as Schema).metadata = { type: 'object' };
    crds.set(manifest.spec.names.kind, {
      kind: manifest.spec.names.kind,
      plural: manifest.spec.names.plural,
      manifest,
      validate: ajv.compile(schema),
    });
  }
  return crds;
}

/** One error as a line: where, what (undeclared fields named as pruned). */
export function describeError(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    return `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}: pruned (not in Kubernaut's schema)`;
  }
  return `${e.instancePath || '/'}: ${e.message}${e.keyword === 'enum' ? ` ${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)}` : ''}`;
}

/** The errors of one object under its kind's Kubernaut schema ([] when valid). */
export function invalidities(crds: Map<string, KubernautCrd>, obj: KubeObject): string[] {
  const crd = crds.get(obj.kind ?? '');
  if (!crd) return [`${obj.kind}: no Kubernaut CRD for this kind`];
  if (crd.validate(obj)) return [];
  // anyOf of int-or-string repeats each branch's failure; one line per place is enough.
  return [...new Set((crd.validate.errors ?? []).map(describeError))];
}

export interface Sweep {
  /** Objects validated, by kind. */
  counts: Record<string, number>;
  /** "<Kind>/<name> <path>: <error>" for each invalidity. */
  errors: string[];
  objects: KubeObject[];
  /** Kubernaut kinds the apiserver does not serve (no objects of them can exist). */
  notServed: string[];
}

/** Lists every object of every Kubernaut kind in `namespace` and validates each. */
export async function sweepNamespace(
  crds: Map<string, KubernautCrd>,
  objects: KubeObjects,
  namespace: string,
): Promise<Sweep> {
  const sweep: Sweep = { counts: {}, errors: [], objects: [], notServed: [] };
  for (const crd of crds.values()) {
    const items = await objects.list(crd.plural, namespace).catch((err: unknown) => {
      if ((err as { code?: number }).code === 404) return null;
      throw err;
    });
    if (!items) {
      sweep.notServed.push(crd.kind);
      continue;
    }
    sweep.counts[crd.kind] = items.length;
    for (const item of items) {
      const o = { ...item, kind: item.kind ?? crd.kind };
      sweep.objects.push(o);
      for (const e of invalidities(crds, o)) sweep.errors.push(`${crd.kind}/${o.metadata.name} ${e}`);
    }
  }
  return sweep;
}
