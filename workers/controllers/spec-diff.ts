/**
 * A readable diff of two object specs, for a dry run's report: one line per
 * changed leaf, `path: before → after`. Only as deep as specs go; arrays of
 * named items (containers) are keyed by name so a change reads as
 * `template.spec.containers[app].resources.limits.memory`.
 */
type Json = unknown;

const isObj = (v: Json): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);
const show = (v: Json) => (v === undefined ? '<absent>' : JSON.stringify(v));

function keyed(a: Json[]): Record<string, Json> | undefined {
  if (!a.every((x) => isObj(x) && typeof x.name === 'string')) return undefined;
  return Object.fromEntries(a.map((x) => [`[${(x as { name: string }).name}]`, x]));
}

function walk(a: Json, b: Json, path: string, out: string[]) {
  if (Array.isArray(a) && Array.isArray(b)) {
    const ka = keyed(a);
    const kb = keyed(b);
    if (ka && kb) return walk(ka, kb, path, out);
  }
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      walk(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
}

export function specDiff(before: Json, after: Json): string[] {
  const out: string[] = [];
  walk(before, after, '', out);
  // Keyed array entries print as ".[name]"; tidy to "[name]".
  return out.map((l) => l.replaceAll('.[', '['));
}
