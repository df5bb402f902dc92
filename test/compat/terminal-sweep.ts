/**
 * The check every terminal-path test ends with: every kubernaut.ai object left in
 * the test's namespace, spec and status, valid under Kubernaut's CRD for its kind.
 * It also says which kinds and phases it saw, so a test can assert it swept what
 * its paths left (a sweep of an empty namespace proves nothing).
 */
import { expect } from 'vitest';
import type { KubeObjects } from '../../activities/kube-objects.js';
import { type KubernautCrd, type Sweep, sweepNamespace } from './kubernaut-crds.js';

/** "<Kind> <phase>" for each object swept ("<Kind> -" when it has no phase). */
export function statesOf(sweep: Sweep): string[] {
  return sweep.objects.map((o) => {
    const s = (o.status ?? {}) as Record<string, unknown>;
    const phase = (s.overallPhase ?? s.phase ?? (s.decision as string | undefined) ?? '-') as string;
    return `${o.kind} ${phase}`;
  });
}

/**
 * Invalidities found and not fixed yet, each named here so that nothing else slips
 * through (docs/kubernaut-compatibility.md, "Known divergences"): the built-in
 * WorkflowExecution controller records the target's spec hash before and after in
 * status.change, which Kubernaut's CRD prunes (there, the orchestrator keeps the
 * pre-hash and the assessment computes the post-hash).
 */
export const KNOWN_DIVERGENCES: RegExp[] = [/^WorkflowExecution\/\S+ \/status\/change: pruned/];

/** Asserts no invalidity but the known ones; returns the sweep (with `known`: those it saw). */
export async function expectAllKubernautValid(
  crds: Map<string, KubernautCrd>,
  objects: KubeObjects,
  namespace: string,
): Promise<Sweep & { known: string[] }> {
  const sweep = await sweepNamespace(crds, objects, namespace);
  const known = sweep.errors.filter((e) => KNOWN_DIVERGENCES.some((k) => k.test(e)));
  const unknown = sweep.errors.filter((e) => !known.includes(e));
  expect(unknown, unknown.join('\n')).toEqual([]);
  return { ...sweep, known };
}
