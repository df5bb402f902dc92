/**
 * Step 6: the rebuilt RR as YAML that `kubectl apply` takes as-is.
 *
 * A small block-style emitter for JSON-like values (plain objects, arrays, strings,
 * numbers, booleans, null): the `yaml` library builds a document tree first and was
 * two thirds of a reconstruction's time. Layout follows the library's (two-space
 * indent, sequences indented under their key, no line folding: long values stay on
 * one line). A string is written plain only when no YAML 1.1 or 1.2 reader can take
 * it for anything but that string; otherwise it is quoted: single quotes for a
 * one-line string with double quotes in it (as the library does), else double quotes
 * with JSON escapes (valid YAML escapes) plus escapes for what YAML does not allow raw.
 * Anything that is not JSON-like goes to the library.
 */
import { stringify } from 'yaml';
import type { RebuiltRemediationRequest } from './build.js';

export function toYaml(rr: RebuiltRemediationRequest): string {
  return toYamlDocument(rr);
}

/** Any JSON-like value as a YAML document (exported for its tests). */
export function toYamlDocument(value: unknown): string {
  if (!jsonLike(value)) return stringify(value, { lineWidth: 0, minContentWidth: 0 });
  const out: string[] = [];
  const one = inline(value);
  if (one !== undefined) out.push(one);
  else if (Array.isArray(value)) sequence(value, '', out);
  else mapping(value as Record<string, unknown>, '', out);
  return `${out.join('\n')}\n`;
}

function jsonLike(v: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (v === null || v === undefined) return true;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (Array.isArray(v)) return v.every((x) => jsonLike(x, depth + 1));
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.values(v).every((x) => jsonLike(x, depth + 1));
    }
    default:
      return false;
  }
}

// Plain only: starts with a letter, digit, "_" or "/"; then letters, digits, spaces
// and _ . / : @ + , ( ) = -; no ": ", no trailing ":" or space.
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9 _./:@+,()=-]*$/;
// What YAML 1.1 (Go's readers) or 1.2 would read as a boolean, null or number.
const SPECIAL = /^(?:y|yes|n|no|true|false|on|off|null)$/i;
const NUMBER =
  /^(?:[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?0x[0-9a-fA-F_]+|0o[0-7]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$/;
// Characters YAML does not allow raw in a stream (and line separators), escaped.
const UNPRINTABLE = /[\u007f-\u0084\u0086-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

function scalarString(s: string): string {
  if (
    PLAIN.test(s) &&
    !s.includes(': ') &&
    !s.endsWith(':') &&
    !s.endsWith(' ') &&
    !SPECIAL.test(s) &&
    !NUMBER.test(s)
  ) {
    return s;
  }
  // Like the library: a one-line string with double quotes in it reads better single-quoted.
  if (s.includes('"') && !/[\u0000-\u001f]/.test(s) && !s.match(UNPRINTABLE)) {
    return `'${s.replaceAll("'", "''")}'`;
  }
  return JSON.stringify(s).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A scalar or an empty collection on one line; undefined for a non-empty collection. */
function inline(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return scalarString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  return Object.values(v as object).every((x) => x === undefined) ? '{}' : undefined;
}

function mapping(obj: Record<string, unknown>, indent: string, out: string[], first?: string) {
  let lead = first;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const key = `${lead ?? indent}${scalarString(k)}:`;
    lead = undefined;
    const one = inline(v);
    if (one !== undefined) out.push(`${key} ${one}`);
    else if (Array.isArray(v)) {
      out.push(key);
      sequence(v, `${indent}  `, out);
    } else {
      out.push(key);
      mapping(v as Record<string, unknown>, `${indent}  `, out);
    }
  }
}

function sequence(items: unknown[], indent: string, out: string[], first?: string) {
  let lead = first;
  for (const item of items) {
    const dash = `${lead ?? indent}- `;
    lead = undefined;
    const one = inline(item);
    if (one !== undefined) out.push(`${dash}${one}`);
    else if (Array.isArray(item)) sequence(item, `${indent}  `, out, dash);
    else mapping(item as Record<string, unknown>, `${indent}  `, out, dash);
  }
}
