/**
 * Runs one schedule against the stack: creates its targets and RRs, starts every
 * operation at its moment (a time, or an RR reaching a phase), waits for them all,
 * then — with a deadline — for every RR that still exists to be terminal and every
 * deleted RR's run to be closed. Answers what happened, for checks.ts.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { KubeObject } from '../../activities/kube-objects.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { DEFAULT_GLOBAL_MS, RECONCILE_INTERVAL_MS } from './config.js';
import type { Monitor } from './monitor.js';
import type { Op, RRPlan, Schedule, Trigger } from './schedule.js';
import { type AlertAnswer, ranWithin, sendAlert } from './signals.js';
import {
  createRR,
  createTarget,
  type DecisionOutcome,
  decide,
  deleteRR,
  pause,
  reconstruct,
  refuseCreates,
  terminate,
  type World,
} from './world.js';

/**
 * How far past its global timeout an RR may end (docs/invariants.md, I1): one
 * reconcile pass and the close-out's calls, plus what the schedule did to the
 * system — the worker's downtime, the tasks a SIGKILLed replica held (an activity's
 * 30 s start-to-close timeout, then a 10 s workflow task timeout) and the time the
 * apiserver refused a step the close-out must take.
 */
const BASE_SLACK_MS = RECONCILE_INTERVAL_MS + 14_000;
const KILL_SLACK_MS = 45_000;

export interface CreatedRR {
  index: number;
  plan: RRPlan;
  name: string;
  uid: string;
  createdAt: number;
  object: KubeObject;
}

export interface ScheduleRun {
  schedule: Schedule;
  rrs: CreatedRR[];
  decisions: DecisionOutcome[];
  deleted: { name: string; uid: string; at: number }[];
  terminated: { name: string; uid: string; result: string }[];
  /** Restored RRs: the new object, or why there is none. */
  restored: { name: string; originalUid: string; restored?: KubeObject; why?: string }[];
  /** Alerts through the gateway, and the answers (I6). */
  alerts: AlertAnswer[];
  /** Milliseconds added to every RR's I1 bound. */
  slackMs: number;
  errors: string[];
}

export async function runSchedule(
  w: World,
  monitor: Monitor,
  s: Schedule,
  onCreated: (name: string, plan: RRPlan) => void = () => {},
): Promise<ScheduleRun> {
  const run: ScheduleRun = {
    schedule: s,
    rrs: [],
    decisions: [],
    deleted: [],
    terminated: [],
    restored: [],
    alerts: [],
    slackMs: BASE_SLACK_MS,
    errors: [],
  };
  const ns = w.targetNamespaces;
  const targets = await Promise.all(
    s.targets.map(async (t) => ({ namespace: ns[t.env], name: await createTarget(ns[t.env]) })),
  );
  const created = new Map<number, Promise<CreatedRR>>();
  const t0 = Date.now();
  const at = (ms: number) => pause(Math.max(0, t0 + ms - Date.now()));

  s.rrs.forEach((plan, index) => {
    created.set(
      index,
      (async () => {
        await at(plan.createAtMs);
        const createdAt = Date.now();
        const object = await createRR(w, targets[plan.target]!, plan.signal, plan.timeouts);
        const c = { index, plan, name: object.metadata.name, uid: object.metadata.uid!, createdAt, object };
        onCreated(c.name, plan);
        run.rrs.push(c);
        return c;
      })(),
    );
  });

  /** Waits until the RR has been seen in the trigger's phase (or has ended, or is gone), then its delay. */
  const triggered = async (rr: CreatedRR, when: Trigger) => {
    const phase = when.phase === 'terminal' ? '' : when.phase;
    await eventually(
      `${rr.name} to reach ${when.phase}`,
      async () => monitor.reached(rr.uid, phase),
      rr.plan.globalMs + KILL_SLACK_MS,
      50,
    ).catch(() => {}); // never reached it: I1's check says so; the operation still runs, late
    await pause(when.delayMs);
  };

  const perform = async (op: Op): Promise<void> => {
    if (op.kind === 'restart') {
      await at(op.atMs);
      const down = Date.now();
      await w.h.restartWorker(() => pause(op.downMs));
      run.slackMs += Date.now() - down;
      return;
    }
    if (op.kind === 'kill') {
      await at(op.atMs);
      run.slackMs += KILL_SLACK_MS;
      await w.replica.start();
      await pause(op.lifeMs);
      await w.replica.kill();
      return;
    }
    if (op.kind === 'alert') {
      await at(op.atMs);
      const answer = await sendAlert(w, targets[op.target]!, false);
      run.alerts.push(answer);
      if (answer.outcome === 'created' && answer.rr) {
        // A remediation of the schedule's like any other: I1 holds it to the default timeouts.
        const object = (await w.h.objects.get('remediationrequests', w.h.namespace, answer.rr))!;
        const plan: RRPlan = {
          target: op.target,
          signal: 'primary',
          createAtMs: op.atMs,
          timeouts: {},
          globalMs: DEFAULT_GLOBAL_MS,
          executionMs: 1_000,
          executionFails: false,
          stopMs: 200,
        };
        onCreated(answer.rr, plan);
        run.rrs.push({
          index: -1,
          plan,
          name: answer.rr,
          uid: object.metadata.uid!,
          createdAt: answer.at,
          object,
        });
      }
      return;
    }
    if (op.kind === 'refuse') {
      await at(op.atMs);
      const from = Date.now();
      const lift = await refuseCreates(w, op.plural);
      await pause(op.forMs);
      await lift();
      run.slackMs += Date.now() - from;
      return;
    }
    const rr = await created.get(op.rr)!;
    await triggered(rr, op.when);
    switch (op.kind) {
      case 'decide':
        run.decisions.push(await decide(w, rr.name, op.route, op.decision, op.by));
        return;
      case 'delete':
        await deleteRR(w, rr.name);
        run.deleted.push({ name: rr.name, uid: rr.uid, at: Date.now() });
        return;
      case 'terminate':
        run.terminated.push({ name: rr.name, uid: rr.uid, result: await terminate(w, rr.name) });
        return;
      case 'reconstruct': {
        const current = monitor.rrs.get(rr.uid)?.last ?? rr.object;
        if (monitor.rrs.get(rr.uid)?.terminalAt === undefined) {
          run.restored.push({ name: rr.name, originalUid: rr.uid, why: 'the original never ended' });
          return;
        }
        const restored = await reconstruct(w, current);
        run.restored.push(
          typeof restored === 'string'
            ? { name: rr.name, originalUid: rr.uid, why: restored }
            : { name: rr.name, originalUid: rr.uid, restored },
        );
        return;
      }
    }
  };

  const ops = s.ops.map((op) =>
    perform(op).catch((err: Error) => {
      run.errors.push(`operation ${JSON.stringify(op)} failed: ${err.message}`);
    }),
  );
  await Promise.all([...created.values()].map((p) => p.catch((e: Error) => run.errors.push(e.message))));
  await Promise.all(ops);
  await settle(w, monitor, run);
  await alertAfterSettling(w, run, targets);
  return run;
}

/**
 * I6 once more, where it must hold without a race: every RR of the schedule is
 * terminal now (or I1 says otherwise), so an alert for each target opens a new
 * remediation, which runs; it is then deleted. Also records whether the RRs alerts
 * created during the schedule ran.
 */
async function alertAfterSettling(
  w: World,
  run: ScheduleRun,
  targets: { namespace: string; name: string }[],
) {
  for (const a of run.alerts) if (a.outcome === 'created' && a.rr) a.ran = await ranWithin(w, a.rr, 2_000);
  for (const target of targets) {
    const answer = await sendAlert(w, target, true);
    if (answer.outcome === 'created' && answer.rr) {
      answer.ran = await ranWithin(w, answer.rr, 20_000);
      await deleteRR(w, answer.rr).catch(() => {});
    }
    run.alerts.push(answer);
  }
}

/** The latest moment an RR of this run may become terminal (I1). */
export const boundOf = (run: ScheduleRun, rr: { plan: RRPlan; createdAt: number }) =>
  rr.createdAt + rr.plan.globalMs + run.slackMs;

/** Every RR still there terminal, every deleted RR's run closed — or the deadline passes (checks.ts says which). */
async function settle(w: World, monitor: Monitor, run: ScheduleRun): Promise<void> {
  const restoredAt = Date.now();
  const deadline = Math.max(restoredAt + run.slackMs, ...run.rrs.map((rr) => boundOf(run, rr)));
  const open = () => {
    const uids = [
      ...run.rrs.map((r) => r.uid),
      ...run.restored.flatMap((r) => (r.restored ? [r.restored.metadata.uid!] : [])),
    ];
    // One the monitor has not seen yet (just created) is open too.
    return uids.filter((uid) => {
      const r = monitor.rrs.get(uid);
      return !r || (r.deletedAt === undefined && r.terminalAt === undefined);
    });
  };
  await eventually(
    'every RR to be terminal',
    async () => open().length === 0,
    deadline - Date.now(),
    100,
  ).catch(() => {});
  // I5: a deleted RR's run is cancelled — by the launcher, or by the reconciler if that cancel was lost.
  await eventually(
    "every deleted RR's workflow run to be closed",
    async () => (await runningOfDeleted(w, run)).length === 0,
    Math.max(run.slackMs, deadline - Date.now()),
    250,
  ).catch(() => {});
}

/** Deleted RRs whose own run (memo uid) is still running. */
export async function runningOfDeleted(w: World, run: ScheduleRun): Promise<string[]> {
  const gone = [
    ...run.deleted,
    ...run.restored.filter((r) => r.restored).map((r) => ({ name: r.name, uid: r.originalUid })),
  ];
  const running: string[] = [];
  for (const d of gone) {
    try {
      const desc = await w.client.workflow.getHandle(workflowIdFor(w.h.namespace, d.name)).describe();
      const uid = (desc.memo as { uid?: string } | undefined)?.uid;
      if (uid === d.uid && desc.status.name === 'RUNNING') running.push(d.name);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return running;
}

/** What a schedule came to, in one line: how its RRs ended, how its decisions fared. */
export function summarize(run: ScheduleRun, m: Monitor): string {
  const tally = (xs: string[]) => {
    const counts = new Map<string, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${k}×${n}`).join(' ') || 'none';
  };
  const ends = run.rrs.map((rr) => {
    const r = m.rrs.get(rr.uid);
    if (r?.terminalAt === undefined) return r?.deletedAt !== undefined ? 'deleted' : 'open';
    const s = r.last.status ?? {};
    const cs = (s.completionStatus ?? {}) as {
      outcome?: string;
      failurePhase?: string;
      timeoutPhase?: string;
    };
    return `${s.overallPhase}/${cs.outcome ?? cs.failurePhase ?? cs.timeoutPhase ?? '-'}`;
  });
  const uids = new Set(run.rrs.map((r) => r.uid));
  const executions = [...m.wes.values()].filter((we) => we.rrUid && uids.has(we.rrUid));
  const decisions = run.decisions.map((d) => `${d.route}:${d.result}`);
  const took = Math.round((Date.now() - Math.min(...run.rrs.map((r) => r.createdAt))) / 1000);
  const blockedHolders = m.lockSamples.filter((l) => uids.has(l.holderUid)).length;
  const alerts = run.alerts.map((a) => `${a.probe ? 'after:' : ''}${a.outcome ?? a.status}`);
  return `took ${took} s; RRs: ${tally(ends)}; decisions: ${tally(decisions)}; alerts: ${tally(alerts)}; executions: ${executions.length}; restored: ${run.restored.filter((r) => r.restored).length}; Leases seen held by a Blocked RR: ${blockedHolders}`;
}
