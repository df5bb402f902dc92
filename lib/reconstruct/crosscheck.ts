/**
 * Step 3d: the final status snapshot (rr_status of orchestrator.lifecycle.completed
 * / failed) checked against what the events gave, leaf by leaf. The events win; a
 * field no event carried is filled from the snapshot, marked `via: rr_status`, and
 * both cases are reported, so a gap in the trail is visible rather than papered over.
 */
import { stringify as canonical } from 'safe-stable-stringify';
import type { FieldTree } from './fields-tree.js';
import type { EventRef } from './types.js';

function leaves(value: unknown, path: string, out: [string, unknown][]): [string, unknown][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    // An empty object is a value of its own (e.g. timeoutConfig: {}).
    if (entries.length === 0) out.push([path, value]);
    for (const [k, v] of entries) leaves(v, `${path}.${k}`, out);
  } else if (value !== undefined && value !== null) {
    out.push([path, value]);
  }
  return out;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** Returns the warnings; fills `t` in place. */
export function crossCheckFinalStatus(
  t: FieldTree,
  snapshot: { status: Record<string, unknown>; source: EventRef } | undefined,
): string[] {
  if (!snapshot) return [];
  const warnings: string[] = [];
  const filled: string[] = [];
  for (const [path, value] of leaves(snapshot.status, 'status', [])) {
    const mine = t.get(path);
    if (mine === undefined) {
      t.set(path, value, { ...snapshot.source, via: 'rr_status' });
      filled.push(path);
    } else if (canonical(mine) !== canonical(value)) {
      warnings.push(
        `${path}: the events give ${show(mine)} but the final status snapshot has ${show(value)}; kept the events' value`,
      );
    }
  }
  if (filled.length) {
    warnings.push(
      `no event carried ${filled.join(', ')}; taken from the final status snapshot (${snapshot.source.event_type})`,
    );
  }
  return warnings;
}
