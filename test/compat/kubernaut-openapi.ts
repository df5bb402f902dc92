/**
 * Kubernaut's Data Storage OpenAPI as test data: where it is, an ajv that validates
 * against its component schemas, and example instances generated from them.
 * The schemas are read at test time from the reference directory, never copied.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = formatsModule.default;

/** KUBERNAUT_REFERENCE_DIR, else ../shared/reference/kubernaut beside the repository; fails loudly otherwise. */
export function referenceDir(): string {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const candidates = [process.env.KUBERNAUT_REFERENCE_DIR, join(repo, '../shared/reference/kubernaut')];
  for (const c of candidates) if (c && existsSync(join(c, 'data-storage-v1.yaml'))) return c;
  throw new Error(
    `Kubernaut's reference (data-storage-v1.yaml) was not found: set KUBERNAUT_REFERENCE_DIR (tried ${candidates.filter(Boolean).join(', ')})`,
  );
}

const DOC_ID = 'kubernaut-data-storage';

/**
 * OpenAPI's discriminator (with a mapping) has no JSON Schema equivalent that ajv
 * runs; rewrite it as "the mapped schema for this value of the property", which is
 * what it means, instead of a plain oneOf that overlapping payloads would fail.
 */
function rewriteDiscriminators(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) rewriteDiscriminators(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const s = node as Schema;
  const d = s.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
  if (d?.mapping && Array.isArray(s.oneOf)) {
    const prop = d.propertyName;
    const keys = Object.keys(d.mapping);
    s.allOf = [
      { type: 'object', required: [prop], properties: { [prop]: { enum: keys } } },
      ...keys.map((k) => ({
        if: { properties: { [prop]: { const: k } } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable.
        then: { $ref: `${DOC_ID}${d.mapping![k]}` },
      })),
    ];
    delete s.oneOf;
    delete s.discriminator;
  }
  for (const v of Object.values(s)) rewriteDiscriminators(v);
}

/** Absolute $refs so component schemas resolve against the added document. */
function absolutiseRefs(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) absolutiseRefs(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const s = node as Schema;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/')) s.$ref = `${DOC_ID}${s.$ref}`;
  for (const v of Object.values(s)) absolutiseRefs(v);
}

export interface KubernautContract {
  doc: { components: { schemas: Record<string, Schema> } };
  validator(name: string): ValidateFunction;
  /** event_type → payload schema name, from AuditEventRequest.event_data's discriminator. */
  payloadMapping: Record<string, string>;
  sample(schema: Schema): unknown;
}

export function loadContract(): KubernautContract {
  const doc = parse(readFileSync(join(referenceDir(), 'data-storage-v1.yaml'), 'utf8'));
  const schemas = doc.components.schemas as Record<string, Schema>;
  const eventData = (schemas.AuditEventRequest!.properties as Record<string, Schema>).event_data!;
  const mapping = (eventData.discriminator as { mapping: Record<string, string> }).mapping;
  const payloadMapping = Object.fromEntries(
    Object.entries(mapping).map(([k, v]) => [k, v.split('/').pop()!]),
  );

  const forAjv = structuredClone(doc);
  absolutiseRefs(forAjv);
  rewriteDiscriminators(forAjv);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components: forAjv.components });

  const resolveRef = (ref: string): Schema => schemas[ref.split('/').pop()!]!;
  function sample(schema: Schema, depth = 0): unknown {
    if (schema.$ref) return sample(resolveRef(schema.$ref as string), depth);
    if (Array.isArray(schema.allOf)) {
      return Object.assign({}, ...(schema.allOf as Schema[]).map((s) => sample(s, depth)));
    }
    if (Array.isArray(schema.oneOf)) return sample((schema.oneOf as Schema[])[0]!, depth);
    if (schema.example !== undefined) return structuredClone(schema.example);
    if (Array.isArray(schema.enum)) return schema.enum[0];
    switch (schema.type) {
      case 'string': {
        if (schema.format === 'date-time') return new Date().toISOString();
        if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
        if (schema.format === 'uuid') return randomUUID();
        if (schema.format === 'uri') return 'https://example.com/x';
        return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
      }
      case 'integer':
      case 'number':
        return Number(schema.minimum ?? 1);
      case 'boolean':
        return true;
      case 'array':
        return depth > 6
          ? []
          : Array.from({ length: Number(schema.minItems ?? 0) }, () =>
              sample(schema.items as Schema, depth + 1),
            );
      default: {
        const out: Record<string, unknown> = {};
        const props = (schema.properties ?? {}) as Record<string, Schema>;
        for (const k of (schema.required ?? []) as string[])
          if (props[k]) out[k] = sample(props[k], depth + 1);
        return out;
      }
    }
  }

  return {
    doc,
    validator: (name) => ajv.getSchema(`${DOC_ID}#/components/schemas/${name}`)!,
    payloadMapping,
    sample: (s) => sample(s),
  };
}
