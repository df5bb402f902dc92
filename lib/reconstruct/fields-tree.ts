/**
 * A nested object written by dotted paths, remembering which event set each path.
 * Later writes win, which is the "later events win for scalars" rule of the map step.
 */
import { stringify as canonical } from 'safe-stable-stringify';
import type { FieldSource, Provenance } from './types.js';

export class FieldTree {
  readonly root: Record<string, unknown> = {};
  readonly provenance: Provenance = {};
  /** Every proper prefix of a path set so far. */
  private readonly parents = new Set<string>();

  set(path: string, value: unknown, source: FieldSource): void {
    if (value === undefined) return;
    // An event repeating the current value does not take over its provenance: the
    // source of a field is the event that established it.
    if (this.provenance[path] && canonical(this.get(path)) === canonical(value)) return;
    const keys = path.split('.');
    let node = this.root;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      if (!next || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = value;
    // A whole object replaces what was recorded below it (only paths that had
    // something recorded below them need the scan).
    if (this.parents.has(path)) {
      for (const p of Object.keys(this.provenance)) if (p.startsWith(`${path}.`)) delete this.provenance[p];
    }
    for (let i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) this.parents.add(path.slice(0, i));
    this.provenance[path] = source;
  }

  get(path: string): unknown {
    let node: unknown = this.root;
    for (const k of path.split('.')) {
      if (!node || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[k];
    }
    return node;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  /** The source of `path`, or of the nearest enclosing object that was set whole. */
  sourceOf(path: string): FieldSource | undefined {
    for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      if (this.provenance[p]) return this.provenance[p];
    }
    return undefined;
  }
}
