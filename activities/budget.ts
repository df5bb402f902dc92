/**
 * Blast-radius budgets (docs/policies.md, invariant I9 in docs/invariants.md): a
 * RemediationPolicy allows at most `executionsPerHour` remediations to start executing
 * in any hour across the target namespaces it covers.
 *
 * The grants live in one ledger per RR namespace: a coordination.k8s.io Lease named
 * `kubernaut-budget-ledger` whose annotation holds the grants of the last hour (RR
 * uid, name, target namespace, time). A grant is the last step before execution
 * (routing, after the target lock), and it is written with the Lease's
 * resourceVersion as precondition, so:
 *
 * - two RRs deciding at once cannot both take the last unit: one write wins, the other
 *   gets 409, reads again and sees the budget spent;
 * - it is exactly once under retries and worker kills: a grant is keyed by the RR's
 *   uid, and an RR that finds its own grant proceeds without taking another;
 * - every policy that covers the target is checked against the same ledger in the
 *   same write: all have room and the grant is taken, or none is touched.
 *
 * The grant is never given back: an hour counts remediations that started executing,
 * whatever became of them. The ledger holds only the last hour, so its size is the
 * executions of one hour (about 150 bytes each; a Lease's annotations hold 256 KiB).
 */
import * as k8s from '@kubernetes/client-node';
import { isConflict, isNotFound, kubeClients } from '../lib/kube/client.js';
import type { KubeObject } from './kube-objects.js';

export const BUDGET_LEDGER = 'kubernaut-budget-ledger';
export const GRANTS_ANNOTATION = 'kubernaut.ai/budget-grants';
const HOUR_MS = 3_600_000;

export interface Grant {
  uid: string;
  name: string;
  targetNamespace: string;
  /** When it was granted (epoch ms). */
  at: number;
}

export interface BudgetRequest {
  /** The RR's namespace: where its policies and ledger live. */
  namespace: string;
  name: string;
  uid: string;
  targetNamespace: string;
}

export interface BudgetExhausted {
  policy: string;
  executionsPerHour: number;
  /** When the oldest grant counted against this policy leaves the hour. */
  freesAt: number;
}

export interface Policy {
  name: string;
  namespaces: string[];
  executionsPerHour: number;
}

function policiesOf(items: KubeObject[]): Policy[] {
  return items.flatMap((p) => {
    const spec = (p.spec ?? {}) as { targetNamespaces?: string[]; budget?: { executionsPerHour?: number } };
    const limit = spec.budget?.executionsPerHour;
    if (typeof limit !== 'number') return [];
    return [{ name: p.metadata.name, namespaces: spec.targetNamespaces ?? [], executionsPerHour: limit }];
  });
}

const covers = (p: Policy, ns: string) => p.namespaces.length === 0 || p.namespaces.includes(ns);

/** The grants of the last hour recorded on the ledger (malformed entries are dropped). */
export function grantsOf(lease: k8s.V1Lease | undefined, now: number): Grant[] {
  const raw = lease?.metadata?.annotations?.[GRANTS_ANNOTATION];
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return (parsed as Grant[]).filter(
    (g) => typeof g?.uid === 'string' && typeof g.at === 'number' && now - g.at < HOUR_MS,
  );
}

/** The first policy covering the target whose hour is spent, given the grants. */
export function exhaustedPolicy(
  policies: Policy[],
  grants: Grant[],
  targetNamespace: string,
): BudgetExhausted | undefined {
  for (const p of policies.filter((q) => covers(q, targetNamespace))) {
    const counted = grants.filter((g) => covers(p, g.targetNamespace));
    if (counted.length < p.executionsPerHour) continue;
    const oldest = Math.min(...counted.map((g) => g.at), Date.now());
    return { policy: p.name, executionsPerHour: p.executionsPerHour, freesAt: oldest + HOUR_MS };
  }
  return undefined;
}

export function createBudgetLedger(kc: k8s.KubeConfig) {
  const { custom } = kubeClients(kc);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);

  async function readLedger(namespace: string): Promise<k8s.V1Lease | undefined> {
    try {
      return await coordination.readNamespacedLease({ name: BUDGET_LEDGER, namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The policies in the RRs' namespace; none where the kind is not installed (Kubernaut's CRDs alone). */
  async function listPolicies(namespace: string): Promise<Policy[]> {
    try {
      const list = (await custom.listNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace,
        plural: 'remediationpolicies',
      })) as { items: KubeObject[] };
      return policiesOf(list.items);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /** Writes `grants` to the ledger read as `lease` (created if absent); false on a lost race. */
  async function write(namespace: string, lease: k8s.V1Lease | undefined, grants: Grant[]) {
    const annotations = { ...lease?.metadata?.annotations, [GRANTS_ANNOTATION]: JSON.stringify(grants) };
    try {
      if (!lease) {
        await coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name: BUDGET_LEDGER, namespace, annotations },
            spec: { holderIdentity: 'kubernaut-budgets' },
          },
        });
      } else {
        lease.metadata = { ...lease.metadata, annotations };
        await coordination.replaceNamespacedLease({ name: BUDGET_LEDGER, namespace, body: lease });
      }
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  return {
    /**
     * Takes one unit of every budget that covers the target, or answers the first
     * exhausted one. Idempotent (see the file comment): an RR whose grant is on the
     * ledger proceeds; the write is conditioned on the ledger's resourceVersion.
     */
    async acquire(req: BudgetRequest): Promise<BudgetExhausted | undefined> {
      const policies = (await listPolicies(req.namespace)).filter((p) => covers(p, req.targetNamespace));
      if (policies.length === 0) return undefined;
      for (;;) {
        const lease = await readLedger(req.namespace);
        const now = Date.now();
        const grants = grantsOf(lease, now);
        if (grants.some((g) => g.uid === req.uid)) return undefined;
        const exhausted = exhaustedPolicy(policies, grants, req.targetNamespace);
        if (exhausted) return exhausted;
        const mine = { uid: req.uid, name: req.name, targetNamespace: req.targetNamespace, at: now };
        if (await write(req.namespace, lease, [...grants, mine])) return undefined;
      }
    },
  };
}
