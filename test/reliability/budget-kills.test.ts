/**
 * Invariant I9 (docs/invariants.md) under SIGKILL: a RemediationPolicy allows 5
 * executions per hour in a namespace; 30 remediations of 30 rolled-out Deployments
 * there run through the built-in controllers while the worker process is SIGKILLed at
 * seeded random moments and restarted. Exactly 5 execute and finish; the other 25
 * wait Blocked with reason BudgetExhausted; the ledger names exactly the 5.
 *
 * The worker runs on a task queue of its own (worker-on-queue.ts): on the default
 * queue it would take the workflow and activity tasks of the other tests' workers and
 * take them down with it at every kill.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_LEDGER, GRANTS_ANNOTATION } from '../../activities/budget.js';
import { KubeObjects } from '../../activities/kube-objects.js';
// mulberry32: a small seeded PRNG, so a failing run can be replayed.
import { mulberry32 as prng } from '../../bench/stats.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { databaseEnv, eventually, kube, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { createPolicy } from '../harness/policies.js';
import { createDeployment, labelNamespace, markPodsReady, rollOut } from '../harness/workloads.js';
import { WorkerProcess } from './worker-process.js';

const RRS = 30;
const BUDGET = 5;
const KILLS = 6;
const SEED = 20_261_130;

describe('a budget holds while the worker is SIGKILLed', () => {
  const s = stackInfo();
  const random = prng(SEED);
  const objects = new KubeObjects(loadKubeConfig(s.kubeconfigPath));
  let worker: WorkerProcess;
  let watched: string;
  let shop: string;
  let kubelet: { stop: boolean; loop?: Promise<void> };

  beforeAll(async () => {
    [watched, shop] = await Promise.all([testNamespace('budget-rr'), testNamespace('budget-shop')]);
    await labelNamespace(shop, { 'kubernaut.ai/environment': 'staging' });
    kubelet = { stop: false };
    kubelet.loop = (async () => {
      while (!kubelet.stop) {
        await markPodsReady(shop).catch(() => 0);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await createPolicy(watched, 'shop-budget', {
      targetNamespaces: [shop],
      budget: { executionsPerHour: BUDGET },
    });
    worker = new WorkerProcess(
      {
        ...databaseEnv(s),
        TEMPORAL_ADDRESS: s.temporalAddress,
        TEMPORAL_NAMESPACE: s.temporalNamespace,
        KUBECONFIG: s.kubeconfigPath,
        KUBERNAUT_WATCH_NAMESPACE: watched,
        KUBERNAUT_CONTROLLERS: 'all',
        KUBERNAUT_TEST_TASK_QUEUE: uniqueName('budget-kills-q'),
      },
      'test/reliability/worker-on-queue.ts',
    );
  });
  afterAll(async () => {
    await worker?.kill();
    kubelet.stop = true;
    await kubelet.loop;
  });

  it(`${RRS} remediations, budget ${BUDGET}/hour, ${KILLS} SIGKILLs (seed ${SEED}): ${BUDGET} execute, the rest wait BudgetExhausted`, async () => {
    const targets = Array.from({ length: RRS }, () => uniqueName('shop'));
    await Promise.all(
      targets.map(async (t) => {
        await createDeployment(shop, t);
        await rollOut(shop, t, 60_000);
      }),
    );
    await worker.start();
    const names: string[] = [];
    for (const t of targets) {
      const name = uniqueName('rr');
      const rr = sampleRemediationRequest(watched, name, t);
      rr.spec.targetResource.namespace = shop;
      await objects.create('remediationrequests', watched, rr as never);
      names.push(name);
    }

    const standing = async () => {
      const rrs = await Promise.all(names.map((n) => objects.get('remediationrequests', watched, n)));
      const waiting = rrs.filter(
        (r) =>
          r?.status?.overallPhase === 'Blocked' &&
          (r.status.routingStatus as { blockReason?: string } | undefined)?.blockReason === 'BudgetExhausted',
      );
      const done = rrs.filter((r) => r?.status?.overallPhase === 'Completed');
      return { rrs, waiting, done };
    };
    let kills = 0;
    while (kills < KILLS) {
      await new Promise((r) => setTimeout(r, 500 + Math.floor(random() * 4_500)));
      await worker.kill();
      kills++;
      await worker.start();
    }
    const settled = await eventually(
      `${BUDGET} remediations to complete and ${RRS - BUDGET} to wait on the budget`,
      async () => {
        const st = await standing();
        return st.done.length === BUDGET && st.waiting.length === RRS - BUDGET ? st : undefined;
      },
      300_000,
      2_000,
    ).catch(async (err) => {
      const st = await standing();
      const phases = st.rrs.map(
        (r) => `${r?.metadata.name}: ${r?.status?.overallPhase} ${r?.status?.message ?? ''}`,
      );
      throw new Error(`${(err as Error).message}\n${phases.join('\n')}\n${worker.output.slice(-3000)}`);
    });

    // Exactly the completed five have an execution; the ledger names exactly them.
    const executions = await Promise.all(
      names.map((n) => objects.get('workflowexecutions', watched, `we-${n}`)),
    );
    const executed = names.filter((_, i) => executions[i]).sort();
    expect(executed).toEqual(settled.done.map((r) => r!.metadata.name).sort());
    const lease = await kube()
      .kc.makeApiClient(k8s.CoordinationV1Api)
      .readNamespacedLease({ name: BUDGET_LEDGER, namespace: watched });
    const grants = JSON.parse(lease.metadata?.annotations?.[GRANTS_ANNOTATION] ?? '[]') as { name: string }[];
    expect(grants.map((g) => g.name).sort()).toEqual(executed);
    expect(kills).toBe(KILLS);
  }, 600_000);
});
