/**
 * What the catalog watch writes in the status of RemediationWorkflows and
 * ActionTypes, computed from the objects alone (pure): the same objects give the
 * same status on every replica, so replicas never fight over it, and a status
 * already equal to the desired one is not written again (no write → no watch
 * event → no loop).
 */
import type { CatalogEntry } from '../../lib/analysis/catalog.js';
import { contentHash, workflowUuid } from '../../lib/catalog/content-hash.js';
import { workflowFromObject } from '../../lib/catalog/workflow-object.js';
import type { KubeObject } from '../../lib/kube/object.js';
import { canonicalJson } from '../../lib/spec-hash.js';

export const REGISTERED_BY = 'kubernaut-temporal/aianalysis-controller';

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const generation = (o: KubeObject) => (o.metadata as { generation?: number }).generation;

/** A condition, keeping its lastTransitionTime when its status did not change. */
function condition(o: KubeObject, c: Omit<Condition, 'lastTransitionTime'>, now: string): Condition {
  const prev = (o.status?.conditions as Condition[] | undefined)?.find((p) => p.type === c.type);
  const gen = generation(o);
  return {
    ...c,
    lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now,
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
  };
}

export interface CatalogState {
  /** Valid workflows, as the analysis sees them. */
  entries: CatalogEntry[];
  /** Desired status per RemediationWorkflow key (namespace/name). */
  workflowStatus: Map<string, Record<string, unknown>>;
  /** Desired status per ActionType key. */
  actionTypeStatus: Map<string, Record<string, unknown>>;
}

export function computeCatalog(
  workflows: KubeObject[],
  actionTypes: KubeObject[],
  now: string,
): CatalogState {
  const taxonomy = new Set(actionTypes.map((a) => String(a.spec?.name ?? '')));
  const entries: CatalogEntry[] = [];
  const workflowStatus = new Map<string, Record<string, unknown>>();
  const counts = new Map<string, number>();
  // Workflow names identify workflows in analyses and audit rows: one name, one
  // workflow. The same workflow applied in two namespaces (equal entries) is one
  // entry, both copies valid; a different workflow under a taken name is refused.
  const byName = new Map<string, { key: string; entry: string }>();
  for (const o of [...workflows].sort((a, b) => key(a).localeCompare(key(b)))) {
    const hash = contentHash(o);
    let verdict = workflowFromObject(o, taxonomy);
    const first = byName.get(o.metadata.name);
    const same = verdict.ok && first?.entry === canonicalJson(verdict.entry);
    if (verdict.ok && first && !same)
      verdict = {
        ok: false,
        reason: 'InvalidSpec',
        message: `workflow name ${o.metadata.name} is already registered by ${first.key} with other content; workflow names are unique across the catalog`,
      };
    if (verdict.ok && !first) {
      entries.push(verdict.entry);
      byName.set(o.metadata.name, { key: key(o), entry: canonicalJson(verdict.entry) });
      const at = verdict.entry.taxonomyActionType!;
      counts.set(at, (counts.get(at) ?? 0) + 1);
    }
    const gen = generation(o);
    workflowStatus.set(key(o), {
      catalogStatus: verdict.ok ? 'Active' : 'Invalid',
      workflowId: workflowUuid(hash),
      contentHash: hash,
      registeredAt: (o.status?.registeredAt as string | undefined) ?? now,
      registeredBy: REGISTERED_BY,
      conditions: [
        condition(
          o,
          verdict.ok
            ? {
                type: 'Validated',
                status: 'True',
                reason: 'Valid',
                message: `version ${verdict.entry.version} is valid`,
              }
            : { type: 'Validated', status: 'False', reason: verdict.reason, message: verdict.message },
          now,
        ),
        condition(
          o,
          verdict.ok
            ? {
                type: 'Registered',
                status: 'True',
                reason: 'InCatalog',
                message: `offered to the analysis as ${verdict.entry.workflowId} (${verdict.entry.executionBundle})${gen !== undefined ? ` at generation ${gen}` : ''}`,
              }
            : {
                type: 'Registered',
                status: 'False',
                reason: 'NotValid',
                message: 'not offered to the analysis until it validates',
              },
          now,
        ),
      ],
    });
  }
  const actionTypeStatus = new Map<string, Record<string, unknown>>();
  for (const a of actionTypes)
    actionTypeStatus.set(key(a), {
      registered: true,
      registeredAt: (a.status?.registeredAt as string | undefined) ?? now,
      registeredBy: REGISTERED_BY,
      catalogStatus: 'Active',
      activeWorkflowCount: counts.get(String(a.spec?.name ?? '')) ?? 0,
    });
  return { entries, workflowStatus, actionTypeStatus };
}

/** True when `current` already says what `desired` says (key order aside: the apiserver sorts keys). */
export function sameStatus(
  current: Record<string, unknown> | undefined,
  desired: Record<string, unknown>,
): boolean {
  if (!current) return false;
  return Object.entries(desired).every(([k, v]) => canonicalJson(current[k]) === canonicalJson(v));
}
