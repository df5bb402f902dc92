/**
 * The randomized schedule test of the safety invariants (DESIGN §14,
 * docs/invariants.md): many seeded schedules, each N remediations on M shared
 * targets with approvals and rejections racing by every route, deletes,
 * terminations, restores from the audit trail, worker restarts and SIGKILLs,
 * apiserver refusals and short timeouts — and after each, I1–I5 and I7 checked
 * together (I6 through alerts to the gateway). Every schedule prints its seed; `CHAOS_SEED=<seed> npm run test:chaos`
 * replays one (test/chaos/README.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadGatewayConfig } from '../../api/gateway-config.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { databaseEnv, stackInfo, testNamespace } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';
import { labelNamespace } from '../harness/workloads.js';
import { checkAll } from './checks.js';
import { CHAOS_SETTINGS, chaosControllers, RECONCILE_INTERVAL_MS, runPlan } from './config.js';
import { type ExecutionPlan, Executor } from './executor.js';
import { Monitor } from './monitor.js';
import { REGRESSION_SEEDS } from './regressions.js';
import { Replica } from './replica.js';
import { runSchedule, type ScheduleRun, summarize } from './run.js';
import { describeSchedule, generateSchedule, operationCount } from './schedule.js';
import { ALERTMANAGER_TOKEN } from './signals.js';
import { deleteRR, type World } from './world.js';

const plan = runPlan();

/**
 * With CHAOS_HISTORY_DIR set, a failing (or replayed) schedule leaves there, to read:
 * each RR's workflow history and what the monitor saw of it (its last object, phases).
 */
async function keep(w: World, seed: number, run: ScheduleRun, monitor: Monitor) {
  const dir = process.env.CHAOS_HISTORY_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const { name, uid } of run.rrs) {
    const history = await w.client.workflow
      .getHandle(workflowIdFor(w.h.namespace, name))
      .fetchHistory()
      .catch(() => undefined);
    if (history) writeFileSync(join(dir, `${seed}-${name}.history.json`), historyToJSON(history));
    writeFileSync(
      join(dir, `${seed}-${name}.seen.json`),
      JSON.stringify(monitor.rrs.get(uid) ?? null, null, 1),
    );
  }
  say(`histories and RRs of seed ${seed} written to ${dir}`);
}
const say = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

describe('randomized schedules: the safety invariants hold together', () => {
  const h = useRemediationHarness(CHAOS_SETTINGS, {
    controllers: chaosControllers(pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })),
    reconcileIntervalMs: RECONCILE_INTERVAL_MS,
  });
  const w = { h } as World;
  let monitor: Monitor;
  let executor: Executor;
  const executions = new Map<string, ExecutionPlan>();
  const totals = { schedules: 0, operations: 0, violations: 0 };

  beforeAll(async () => {
    const [production, staging] = await Promise.all([
      testNamespace('chaos-prod'),
      testNamespace('chaos-stage'),
    ]);
    await labelNamespace(production, { 'kubernaut.ai/environment': 'production' });
    await labelNamespace(staging, { 'kubernaut.ai/environment': 'staging' });
    w.targetNamespaces = { production, staging };
    // Independent of the worker runtime, which schedules stop and restart.
    const connection = await Connection.connect({ address: stackInfo().temporalAddress });
    w.client = new Client({ connection, namespace: stackInfo().temporalNamespace });
    w.app = await buildApp({
      pool: h.pool,
      temporal: w.client,
      config: {
        bodyLimit: 1024 * 1024,
        maxBatchSize: 10,
        tokens: [
          { token: 'alice-token', name: 'alice', roles: ['approver'], kind: 'user' },
          {
            token: ALERTMANAGER_TOKEN,
            name: 'system:serviceaccount:monitoring:alertmanager',
            roles: ['writer'],
            kind: 'service',
          },
        ],
      },
      // The gateway creates its RRs where the worker watches (I6: signals.ts).
      gateway: {
        kubeConfig: loadKubeConfig(stackInfo().kubeconfigPath),
        config: { ...loadGatewayConfig({}), controllerNamespace: h.namespace },
      },
    });
    const s = stackInfo();
    w.replica = new Replica({
      ...databaseEnv(s),
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_NAMESPACE: s.temporalNamespace,
      KUBECONFIG: s.kubeconfigPath,
      KUBERNAUT_WATCH_NAMESPACE: h.namespace,
      KUBERNAUT_TEST_TASK_QUEUE: h.runtime.worker.options.taskQueue,
    });
    monitor = new Monitor(h.namespace);
    await monitor.start();
    executor = new Executor(h.namespace, (rr) => executions.get(rr));
    await executor.start();
    say(
      plan.replay
        ? `replaying seed ${plan.baseSeed}`
        : `${plan.seeds.length} schedules from base seed ${plan.baseSeed} (CHAOS_BASE_SEED=${plan.baseSeed} runs them again)`,
    );
  });
  afterAll(async () => {
    await w.replica?.kill();
    await executor?.stop();
    await monitor?.stop();
    await w.app?.close();
    await w.client?.connection.close();
    say(
      `${totals.schedules} schedules × ${totals.operations} operations in all; ${totals.violations} violations`,
    );
  });

  async function play(seed: number, label: string) {
    const schedule = generateSchedule(seed);
    say(`${label} seed=${seed}: ${describeSchedule(schedule)}`);
    // The executor reads each RR's planned execution by name, known once it is created.
    const replay = `replay: CHAOS_SEED=${seed} npm run test:chaos`;
    const named = (err: Error) => {
      err.message = `seed ${seed} (${replay}): ${err.message}`;
      throw err;
    };
    const run = await runSchedule(w, monitor, schedule, (name, rr) => {
      executions.set(name, { ms: rr.executionMs, fails: rr.executionFails, stopMs: rr.stopMs });
    }).catch(named);
    const found = await checkAll(w, run, monitor).catch(named);
    const violations = found.filter((v) => !v.note);
    for (const n of found.filter((v) => v.note)) say(`seed=${seed} note (${n.invariant}): ${n.message}`);
    say(`seed=${seed} ${summarize(run, monitor)}`);
    totals.schedules++;
    totals.operations += operationCount(schedule);
    totals.violations += violations.length;
    const report = violations.map((v) => `[seed ${seed}] ${v.invariant}: ${v.message}`).join('\n');
    if (violations.length) say(`seed=${seed} violations:\n${report}`);
    if (violations.length || plan.replay) await keep(w, seed, run, monitor);
    // The schedule's RRs are done with: keep the namespace small for the next one.
    await Promise.all(run.rrs.map((rr) => deleteRR(w, rr.name).catch(() => {})));
    expect(violations, `seed ${seed} broke an invariant (${replay}):\n${report}`).toEqual([]);
  }

  const n = plan.seeds.length;
  plan.seeds.forEach((seed, i) => {
    it(`schedule ${i + 1}/${n} (seed ${seed})`, () => play(seed, `schedule ${i + 1}/${n}`), 300_000);
  });
  // Schedules that once broke an invariant, replayed every run (regressions.ts says what each found).
  if (!plan.replay)
    for (const r of REGRESSION_SEEDS) {
      it(`regression seed ${r.seed}: ${r.found}`, () => play(r.seed, `regression ${r.seed}`), 300_000);
    }
});
