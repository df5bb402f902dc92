/**
 * Invariant I9 (docs/invariants.md): a blast-radius budget is never overspent. A
 * RemediationPolicy allows 5 executions per hour in one namespace; 30 remediations of
 * 30 different Deployments there reach routing at once, with the worker restarted
 * half way. Exactly 5 execute; the other 25 wait Blocked with reason BudgetExhausted
 * and the time the budget frees up — and a granted RR asking again takes no second unit.
 * A second policy allows 2 at once: the others wait until a running one ends.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_LEDGER, GRANTS_ANNOTATION, type Grant } from '../../activities/budget.js';
import { createRoutingActivities } from '../../activities/routing.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, kube } from '../harness/index.js';
import { createPolicy as createPolicyIn } from '../harness/policies.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

const RRS = 30;
const BUDGET = 5;

describe('blast-radius budget (I9): at most N executions per hour in a scope', () => {
  const h = useRemediationHarness({ safetyRecheckMs: 5_000 });
  const escalatedRuns: string[] = [];
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'budget', h.created.slice(0, 3));
    await recordHistories(h.runtime.client, 'budget-escalate', escalatedRuns);
  });
  const kc = () => kube().kc;

  const createPolicy = (name: string, spec: Record<string, unknown>) =>
    createPolicyIn(h.namespace, name, spec);
  beforeAll(async () => {
    await createPolicy('shop-budget', {
      targetNamespaces: [h.namespace],
      budget: { executionsPerHour: BUDGET, whenExhausted: 'Wait' },
    });
  });

  /** Plays enrichment and analysis (no approval needed): the RR goes on to routing. */
  async function toRouting(rr: string) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
  }

  const ledger = async (): Promise<Grant[]> => {
    const lease = await kc()
      .makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: BUDGET_LEDGER, namespace: h.namespace });
    return JSON.parse(lease.metadata?.annotations?.[GRANTS_ANNOTATION] ?? '[]') as Grant[];
  };

  it('30 remediations, budget 5/hour, a worker restart half way: 5 execute, 25 wait BudgetExhausted', async () => {
    const names = await Promise.all(
      Array.from({ length: RRS }, (_, i) => h.createRR({ target: `shop-${i}` })),
    );
    await Promise.all(names.slice(0, RRS / 2).map(toRouting));
    await h.restartWorker();
    await Promise.all(names.slice(RRS / 2).map(toRouting));

    const settled = await eventually(
      'every RR to execute or wait on the budget',
      async () => {
        const rrs = await Promise.all(names.map((n) => h.objects.get('remediationrequests', h.namespace, n)));
        const executing = rrs.filter((r) => r?.status?.overallPhase === 'Executing');
        const blocked = rrs.filter(
          (r) =>
            r?.status?.overallPhase === 'Blocked' &&
            (r.status.routingStatus as { blockReason?: string } | undefined)?.blockReason ===
              'BudgetExhausted',
        );
        return executing.length + blocked.length === RRS ? { executing, blocked } : undefined;
      },
      120_000,
    );
    expect(settled.executing).toHaveLength(BUDGET);
    expect(settled.blocked).toHaveLength(RRS - BUDGET);

    // Exactly the granted ones have an execution; the ledger names exactly them.
    const executions = await Promise.all(
      names.map((n) => h.objects.get('workflowexecutions', h.namespace, `we-${n}`)),
    );
    const executed = names.filter((_, i) => executions[i]);
    expect(executed.sort()).toEqual(settled.executing.map((r) => r!.metadata.name).sort());
    const grants = await ledger();
    expect(grants.map((g) => g.name).sort()).toEqual(executed.sort());

    // A blocked RR says when the budget frees up: when the oldest grant leaves the hour.
    const oldest = Math.min(...grants.map((g) => g.at));
    for (const rr of settled.blocked) {
      const routing = rr!.status!.routingStatus as { blockedUntil: string; blockMessage: string };
      expect(Date.parse(routing.blockedUntil)).toBe(oldest + 3_600_000);
      expect(routing.blockMessage).toContain('shop-budget');
    }
    const blockedAudit = await h.auditTypes(settled.blocked[0]!.metadata.name);
    expect(blockedAudit).toContain('orchestrator.routing.blocked');
  });

  it('asking again takes no second unit: a granted RR proceeds, a blocked one stays blocked', async () => {
    const routing = createRoutingActivities(kc());
    const grants = await ledger();
    const granted = await h.objects.get('remediationrequests', h.namespace, grants[0]!.name);
    const ask = (rr: NonNullable<typeof granted>) =>
      routing.evaluateRouting({
        namespace: h.namespace,
        name: rr.metadata.name,
        uid: rr.metadata.uid!,
        fingerprint: rr.spec!.signalFingerprint as string,
        target: rr.spec!.targetResource as never,
        workflowId: 'restart-pod',
      });
    expect(await ask(granted!)).toBeNull();
    expect(await ask(granted!)).toBeNull();
    expect(await ledger()).toHaveLength(BUDGET);

    const { items } = (await kube().custom.listNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace: h.namespace,
      plural: 'remediationrequests',
    })) as { items: NonNullable<typeof granted>[] };
    const waiting = items.find((r) => r.status?.overallPhase === 'Blocked')!;
    expect(await ask(waiting)).toMatchObject({ reason: 'BudgetExhausted' });
    expect(await ledger()).toHaveLength(BUDGET);
  });

  it('at most 2 at once: the third and fourth wait with no set time, and one starts when a running one ends', async () => {
    const other = `${h.namespace}-cart`;
    await createPolicy('two-at-once', { targetNamespaces: [other], budget: { maxConcurrent: 2 } });
    const names = await Promise.all(
      Array.from({ length: 4 }, (_, i) => h.createRR({ target: `cart-${i}`, targetNamespace: other })),
    );
    await Promise.all(names.map(toRouting));
    const phases = async () =>
      Promise.all(names.map(async (n) => (await h.objects.get('remediationrequests', h.namespace, n))!));
    const split = await eventually(
      'two to execute and two to wait',
      async () => {
        const rrs = await phases();
        const executing = rrs.filter((r) => r.status?.overallPhase === 'Executing');
        const waiting = rrs.filter((r) => r.status?.overallPhase === 'Blocked');
        return executing.length === 2 && waiting.length === 2 ? { executing, waiting } : undefined;
      },
      60_000,
    );
    for (const r of split.waiting) {
      const routing = r.status!.routingStatus as Record<string, string>;
      expect(routing.blockReason).toBe('BudgetExhausted');
      expect(routing.blockedUntil).toBeUndefined();
      expect(routing.blockMessage).toContain('2 remediations executing at once');
    }
    await h.playExecutionAndVerification(split.executing[0]!.metadata.name);
    await h.waitForPhase(split.executing[0]!.metadata.name, ['Completed']);
    await eventually(
      'one waiting remediation to start executing',
      async () => {
        const rrs = await phases();
        const executing = rrs.filter((r) => r.status?.overallPhase === 'Executing').length;
        const waiting = rrs.filter((r) => r.status?.overallPhase === 'Blocked').length;
        return executing === 2 && waiting === 1;
      },
      60_000,
    );
    expect((await ledger()).filter((g) => g.targetNamespace === other)).toHaveLength(3);
  });

  it('whenExhausted: Escalate — the remediation refused a unit goes to a person at once, takes nothing, and the Web UI finds it by BlockReason', async () => {
    const ops = `${h.namespace}-ops`;
    await createPolicy('ops-escalate', {
      targetNamespaces: [ops],
      budget: { executionsPerHour: 1, whenExhausted: 'Escalate' },
    });
    const first = await h.createRR({ target: 'ops-0', targetNamespace: ops });
    await toRouting(first);
    await h.waitForPhase(first, ['Executing']);
    const second = await h.createRR({ target: 'ops-1', targetNamespace: ops });
    escalatedRuns.push(workflowIdFor(h.namespace, second));
    await toRouting(second);

    const rr = await h.waitForPhase(second, ['Completed']);
    expect(rr.status?.completionStatus).toMatchObject({ outcome: 'ManualReviewRequired' });
    expect(rr.status?.message).toContain('ops-escalate');
    expect(rr.status?.routingStatus).toMatchObject({ blockReason: 'BudgetExhausted' });
    // Nothing was done and nothing held: no execution, no unit, no target lock.
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${second}`)).toBeNull();
    expect((await ledger()).filter((g) => g.targetNamespace === ops).map((g) => g.name)).toEqual([first]);
    const leases = await kc()
      .makeApiClient(k8s.CoordinationV1Api)
      .listNamespacedLease({ namespace: h.namespace, labelSelector: 'kubernaut.ai/target-lock' });
    expect(leases.items.map((l) => l.spec?.holderIdentity)).not.toContain(second);
    // A person is told, and the audit trail says it was escalated.
    const nr = await h.objects.get('notificationrequests', h.namespace, `nr-manual-review-${second}`);
    expect(nr?.spec?.type).toBe('ManualReview');
    const { rows } = await h.pool.query(
      "SELECT event_data FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.routing.blocked'",
      [second],
    );
    expect(rows.map((r) => r.event_data)).toEqual([
      expect.objectContaining({ block_reason: 'BudgetExhausted', escalated: true }),
    ]);
    // Operators find budget-blocked remediations in the Web UI by search attribute.
    const found = await eventually(
      'the escalated run to be listed by BlockReason',
      async () => {
        const ids: string[] = [];
        for await (const w of h.runtime.client.workflow.list({
          query: `BlockReason = "BudgetExhausted" AND RemediationOutcome = "ManualReviewRequired"`,
        })) {
          ids.push(w.workflowId);
        }
        return ids.includes(workflowIdFor(h.namespace, second)) ? ids : undefined;
      },
      30_000,
    );
    expect(found).not.toContain(workflowIdFor(h.namespace, first));
  });
});
