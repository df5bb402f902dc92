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

export async function expectAllKubernautValid(
  crds: Map<string, KubernautCrd>,
  objects: KubeObjects,
  namespace: string,
): Promise<Sweep> {
  const sweep = await sweepNamespace(crds, objects, namespace);
  expect(sweep.errors, sweep.errors.join('\n')).toEqual([]);
  return sweep;
}
