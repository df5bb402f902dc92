/**
 * Instances of Kubernaut's component schemas, generated from the schemas themselves
 * (json-schema-faker style, seeded so a failure replays): every property present,
 * each enum a seeded pick among its values, free strings their schema example when
 * it has one (Kubernaut's examples are realistic values), otherwise a seeded word.
 * Nothing here knows our writer; the schemas are read from the reference directory.
 */
import type { KubernautContract } from './kubernaut-openapi.js';

type Schema = Record<string, unknown>;

/** mulberry32: small, fast, good enough to vary test data reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Generator {
  random: () => number;
  pick<T>(values: readonly T[]): T;
  hex(n: number): string;
  /** An instance of component schema `name`. */
  instance(name: string): Record<string, unknown>;
}

export function payloadGenerator(
  contract: KubernautContract,
  seed: number,
  baseTime = Date.now(),
): Generator {
  const random = seededRandom(seed);
  const schemas = contract.doc.components.schemas;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => pick('0123456789abcdef'.split(''))).join('');
  const word = (key: string) => `${key.replace(/_/g, '-')}-${hex(6)}`;
  const resolve = (s: Schema): Schema =>
    s.$ref ? resolve(schemas[(s.$ref as string).split('/').pop()!]!) : s;

  function value(raw: Schema, key: string, depth: number): unknown {
    const s = resolve(raw);
    if (Array.isArray(s.allOf)) {
      return Object.assign({}, ...(s.allOf as Schema[]).map((x) => value(x, key, depth)));
    }
    if (Array.isArray(s.oneOf)) return value(pick(s.oneOf as Schema[]), key, depth);
    if (Array.isArray(s.enum)) return pick(s.enum as unknown[]);
    switch (s.type) {
      case 'string':
        if (s.format === 'date-time')
          return new Date(baseTime + Math.floor(random() * 3_600_000)).toISOString();
        if (s.format === 'uuid') return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
        if (s.pattern === '^[a-f0-9]{64}$') return hex(64);
        return typeof s.example === 'string' ? s.example : word(key);
      case 'integer': {
        const min = Number(s.minimum ?? 0);
        const max = Number(s.maximum ?? min + 10);
        return min + Math.floor(random() * (max - min + 1));
      }
      case 'number':
        return Math.round(random() * 100) / 100;
      case 'boolean':
        return random() < 0.5;
      case 'array':
        return depth > 4 ? [] : [value((s.items ?? {}) as Schema, key, depth + 1)];
      default: {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const out: Record<string, unknown> = {};
        if (depth > 4) return out;
        for (const [k, p] of Object.entries(props)) out[k] = value(p, k, depth + 1);
        // A map (labels, annotations, a raw payload): two seeded entries.
        if (!Object.keys(props).length && s.additionalProperties) {
          const item =
            s.additionalProperties === true ? { type: 'string' } : (s.additionalProperties as Schema);
          for (let i = 0; i < 2; i++) out[word(key)] = value(item, 'value', depth + 1);
        }
        return out;
      }
    }
  }

  return {
    random,
    pick,
    hex,
    instance: (name) => value({ $ref: `#/components/schemas/${name}` }, name, 0) as Record<string, unknown>,
  };
}
