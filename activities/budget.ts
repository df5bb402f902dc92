/**
 * Blast-radius budgets (docs/policies.md, invariant I9 in docs/invariants.md): what a
 * RemediationPolicy allows (budget-rules.ts: executions per hour, at once, as a share
 * of a namespace's Deployments, none while too many failed) is checked and a grant
 * written as one step.
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
 * whatever became of them; a grant whose remediation has not ended also counts as
 * running. The ledger keeps a grant for its hour and while its remediation runs, so
 * its size is about the executions of one hour (about 150 bytes each; a Lease's
 * annotations hold 256 KiB).
 */
import * as k8s from '@kubernetes/client-node';
import { isTerminalPhase } from '../lib/domain.js';
import { isConflict, isNotFound, kubeClients } from '../lib/kube/client.js';
import {
  type BudgetExhausted,
  covers,
  firstExhausted,
  type Grant,
  HOUR_MS,
  keepGrant,
  type Policy,
  policyOf,
  type Standing,
} from './budget-rules.js';
import type { KubeObject } from './kube-objects.js';

export type { BudgetExhausted, Grant } from './budget-rules.js';

export const BUDGET_LEDGER = 'kubernaut-budget-ledger';
export const GRANTS_ANNOTATION = 'kubernaut.ai/budget-grants';
const FAILED = ['Failed', 'TimedOut'];

export interface BudgetRequest {
  /** The RR's namespace: where its policies and ledger live. */
  namespace: string;
  name: string;
  uid: string;
  targetNamespace: string;
}

/** The grants recorded on the ledger (malformed entries are dropped). */
export function grantsOf(lease: k8s.V1Lease | undefined): Grant[] {
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
    (g) => typeof g?.uid === 'string' && typeof g.at === 'number' && typeof g.targetNamespace === 'string',
  );
}

const targetNamespaceOf = (rr: KubeObject) =>
  ((rr.spec?.targetResource as { namespace?: string } | undefined)?.namespace ?? '') as string;

export function createBudgetLedger(kc: k8s.KubeConfig) {
  const { custom } = kubeClients(kc);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
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
      return list.items.flatMap((p) => policyOf(p.metadata.name, p.spec) ?? []);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /** Deployments per namespace, read once per pass and only for a percentage budget. */
  function deploymentCounter() {
    const seen = new Map<string, number>();
    return {
      async load(namespace: string) {
        if (seen.has(namespace)) return;
        const list = await apps.listNamespacedDeployment({ namespace });
        seen.set(namespace, list.items.length);
      },
      count: (namespace: string) => seen.get(namespace) ?? 0,
    };
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

  /**
   * The first exhausted budget covering the target, or undefined when all have room
   * (or this RR holds its grant already); with `take`, writes the grant when there is
   * room, retrying a lost race.
   */
  async function decide(req: BudgetRequest, rrs: KubeObject[], take: boolean) {
    const policies = (await listPolicies(req.namespace)).filter((p) => covers(p, req.targetNamespace));
    if (policies.length === 0) return undefined;
    const deployments = deploymentCounter();
    if (policies.some((p) => p.maxConcurrentPercent !== undefined))
      await deployments.load(req.targetNamespace);
    const open = new Set(
      rrs.filter((r) => !isTerminalPhase(r.status?.overallPhase as string)).map((r) => r.metadata.uid!),
    );
    open.add(req.uid);
    for (;;) {
      const now = Date.now();
      const failures = rrs.flatMap((r) => {
        const at = Date.parse(String(r.status?.completedAt ?? ''));
        return FAILED.includes(r.status?.overallPhase as string) && now - at < HOUR_MS
          ? [{ targetNamespace: targetNamespaceOf(r), at }]
          : [];
      });
      const lease = await readLedger(req.namespace);
      const grants = grantsOf(lease).filter((g) => keepGrant(g, open, now));
      if (grants.some((g) => g.uid === req.uid)) return undefined;
      const standing: Standing = { grants, open, failures, deployments: deployments.count };
      const exhausted = firstExhausted(policies, standing, req.targetNamespace, now);
      if (exhausted || !take) return exhausted;
      const mine = { uid: req.uid, name: req.name, targetNamespace: req.targetNamespace, at: now };
      if (await write(req.namespace, lease, [...grants, mine])) return undefined;
    }
  }

  return {
    /**
     * Takes one unit of every budget that covers the target, or answers the first
     * exhausted one. `rrs`: the RemediationRequests of the RR's namespace, as routing
     * read them this pass (which have ended, which failed). Idempotent (see the file
     * comment): an RR whose grant is on the ledger proceeds; the write is conditioned
     * on the ledger's resourceVersion.
     */
    acquire: (req: BudgetRequest, rrs: KubeObject[]): Promise<BudgetExhausted | undefined> =>
      decide(req, rrs, true),

    /** What acquire would answer now, writing nothing (a shadow's verdict, I12). Read-only. */
    peek: (req: BudgetRequest, rrs: KubeObject[]): Promise<BudgetExhausted | undefined> =>
      decide(req, rrs, false),
  };
}
