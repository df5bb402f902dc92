/**
 * The prior state of a target, recorded on its WorkflowExecution before a compensable
 * action changes it (annotation kubernaut.ai/prior-state), and the pure rules for
 * writing it back. Read by the rollback activity (activities/rollback.ts).
 */
import type { RawObject } from '../kube/target.js';
import type { Health } from '../kube/target-health.js';
import { RESTORABLE_KINDS, type RestorableField, restorableFields } from './compensable.js';

export interface PriorState {
  action: string;
  kind: string;
  /** The target's resourceVersion when recorded (for people: which version was saved). */
  resourceVersion?: string;
  /** The spec fields the action changes, as they were. */
  spec: { template?: unknown; replicas?: number };
  /** The target's health just before the action (for the HealthWorse verdict). */
  health: Pick<Health, 'assessed' | 'healthy' | 'score'>;
  recordedAt: string;
}

/** What to record before `action` acts on `obj`; undefined when nothing could be restored. */
export function priorStateOf(
  action: string,
  obj: RawObject,
  health: Health,
  at: string,
): PriorState | undefined {
  const kind = (obj as { kind?: string }).kind ?? '';
  const fields = restorableFields(action);
  if (!fields.length || !RESTORABLE_KINDS.includes(kind)) return undefined;
  const spec: PriorState['spec'] = {};
  for (const f of fields)
    if (obj.spec?.[f] !== undefined) (spec as Record<RestorableField, unknown>)[f] = obj.spec[f];
  return {
    action,
    kind,
    resourceVersion: obj.metadata.resourceVersion,
    spec,
    health: { assessed: health.assessed, healthy: health.healthy, score: health.score },
    recordedAt: at,
  };
}

export function parsePriorState(text: string | undefined): PriorState | undefined {
  if (!text) return undefined;
  try {
    const p = JSON.parse(text) as PriorState;
    return p && typeof p === 'object' && p.spec && p.health ? p : undefined;
  } catch {
    return undefined;
  }
}

export type RestoreDecision =
  /** The target is as the action left it: write the prior fields back. */
  | 'restore'
  /** The target is back as it was before the action (an earlier attempt restored it). */
  | 'already-restored'
  /** Someone changed the target after the action: leave it alone. */
  | 'changed-since';

/**
 * Whether to write: only over exactly what the action left (its "after" spec hash), so
 * a change a person or another controller made since is never clobbered; a target at
 * the "before" hash is already restored, which makes a retry or a second run a no-op.
 */
export function restoreDecision(hashes: {
  current?: string;
  before?: string;
  after?: string;
}): RestoreDecision {
  if (hashes.current !== undefined && hashes.current === hashes.before) return 'already-restored';
  if (hashes.current === undefined || hashes.current !== hashes.after) return 'changed-since';
  return 'restore';
}

/**
 * The JSON Patch that writes the prior fields back, conditional on the resourceVersion
 * read: the apiserver treats a resourceVersion in the patched object as a precondition
 * (409 when the object moved on). A patch, not an update: the worker's role may patch
 * workloads (its actions do), never replace them.
 */
export function restorePatch(
  resourceVersion: string,
  prior: PriorState,
): { op: string; path: string; value: unknown }[] {
  return [
    { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
    ...Object.entries(prior.spec).map(([field, value]) => ({ op: 'add', path: `/spec/${field}`, value })),
  ];
}
