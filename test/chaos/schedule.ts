/**
 * A schedule: N remediations on M shared targets, and the operations done to them
 * and to the system while they run — approvals and rejections by every route,
 * deletes, terminations, restoring a finished RR from its audit trail, worker
 * restarts and SIGKILLs, apiserver refusals — with their moments. Generated from a
 * seed alone, so a seed printed by a failing run replays the same schedule. (The
 * system's own timing is not replayed: a seed gives the same operations at the
 * same moments, not the same interleaving with the worker's steps.)
 */
import { mulberry32 } from '../../bench/stats.js';
import { DEFAULT_GLOBAL_MS, DEFAULT_TIMEOUTS } from './config.js';

export type Route = 'update' | 'signal' | 'kubectl' | 'api';
/** The RR phases an operation can wait for; 'terminal' once it has ended. */
export type TriggerPhase =
  | 'Processing'
  | 'Analyzing'
  | 'AwaitingApproval'
  | 'Blocked'
  | 'Executing'
  | 'Verifying'
  | 'terminal';
export interface Trigger {
  phase: TriggerPhase;
  /** After the RR is seen in that phase (or has ended, or is gone). */
  delayMs: number;
}

export interface TargetPlan {
  /** Production targets need approval (the built-in policy); staging ones do not. */
  env: 'production' | 'staging';
}

export interface RRPlan {
  target: number;
  /** Same target and signal: duplicates of each other; another signal: ResourceBusy. */
  signal: 'primary' | 'other';
  createAtMs: number;
  /** Per-RR timeouts (`kubernaut.ai/timeout-<key>`). */
  timeouts: Record<string, string>;
  /** The global timeout this RR runs under. */
  globalMs: number;
  /** How long its WorkflowExecution runs (played by executor.ts), and whether it fails. */
  executionMs: number;
  executionFails: boolean;
  /** How long its execution takes to stop once its remediation cancels it. */
  stopMs: number;
}

export type Op =
  | { kind: 'decide'; rr: number; when: Trigger; route: Route; decision: 'approve' | 'reject'; by: string }
  | { kind: 'delete'; rr: number; when: Trigger }
  | { kind: 'terminate'; rr: number; when: Trigger }
  | { kind: 'reconstruct'; rr: number; when: Trigger }
  | { kind: 'restart'; atMs: number; downMs: number }
  | { kind: 'kill'; atMs: number; lifeMs: number }
  | { kind: 'refuse'; atMs: number; forMs: number; plural: RefusedPlural }
  /** An Alertmanager alert for a target through the gateway (I6; signals.ts). */
  | { kind: 'alert'; target: number; atMs: number };

export const REFUSABLE = [
  'signalprocessings',
  'aianalyses',
  'remediationapprovalrequests',
  'workflowexecutions',
  'effectivenessassessments',
  'notificationrequests',
] as const;
export type RefusedPlural = (typeof REFUSABLE)[number];

export interface Schedule {
  seed: number;
  targets: TargetPlan[];
  rrs: RRPlan[];
  ops: Op[];
}

/** Who decides by a route other than the API (the API's decider is its token's identity, alice). */
const DECIDERS = ['bob', 'carol', 'dave'];
const ROUTES: Route[] = ['update', 'signal', 'kubectl', 'api'];
const PHASES_TO_INTERRUPT: TriggerPhase[] = [
  'Processing',
  'Analyzing',
  'AwaitingApproval',
  'Blocked',
  'Executing',
  'Verifying',
];

export function generateSchedule(seed: number): Schedule {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number) => rnd() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const secs = (lo: number, hi: number) => `${int(lo, hi)}s`;

  const targets: TargetPlan[] = Array.from({ length: int(1, 3) }, () => ({
    env: chance(0.6) ? 'production' : 'staging',
  }));
  const rrs: RRPlan[] = Array.from({ length: int(2, 6) }, () => {
    const timeouts: Record<string, string> = {};
    if (chance(0.3)) timeouts.awaitingApproval = secs(2, 5);
    if (chance(0.2)) timeouts.executing = secs(1, 3);
    let globalMs = DEFAULT_GLOBAL_MS;
    if (chance(0.15)) {
      globalMs = int(8, 15) * 1000;
      timeouts.global = `${globalMs / 1000}s`;
      // No phase may outlast the global timeout (else the RR fails as misconfigured at once).
      for (const [key, v] of Object.entries(DEFAULT_TIMEOUTS)) {
        if (key === 'global') continue;
        const ms = Number.parseInt(timeouts[key] ?? v, 10) * 1000;
        if (ms > globalMs) timeouts[key] = timeouts.global;
      }
    }
    return {
      target: int(0, targets.length - 1),
      signal: chance(0.65) ? 'primary' : 'other',
      createAtMs: int(0, 3_000),
      timeouts,
      globalMs,
      executionMs: int(200, 3_500),
      executionFails: chance(0.1),
      stopMs: int(0, 1_500),
    };
  });

  const ops: Op[] = [];
  const ended = new Set<number>(); // deleted or terminated: at most one of those per RR
  rrs.forEach((rr, i) => {
    const approval = targets[rr.target]!.env === 'production';
    // Racing decisions: up to three, close together, by different routes.
    const decisions = approval ? int(0, 3) : chance(0.1) ? 1 : 0;
    for (let d = 0; d < decisions; d++) {
      const route = pick(ROUTES);
      ops.push({
        kind: 'decide',
        rr: i,
        when: { phase: approval ? 'AwaitingApproval' : 'Executing', delayMs: int(0, 800) },
        route,
        decision: chance(0.6) ? 'approve' : 'reject',
        by: route === 'api' ? 'alice' : pick(DECIDERS),
      });
    }
    // A late decision, after the RR ended: refused or ignored, never recorded (an API
    // call the same as an earlier one is that one, answered again).
    if (approval && chance(0.1)) {
      const when: Trigger = { phase: 'terminal', delayMs: int(0, 300) };
      const route = pick(ROUTES);
      const decision = chance(0.5) ? 'approve' : 'reject';
      const by = pick(DECIDERS);
      ops.push({ kind: 'decide', rr: i, when, route, decision, by: route === 'api' ? 'alice' : by });
    }
    const interrupt = (): Trigger => ({ phase: pick(PHASES_TO_INTERRUPT), delayMs: int(0, 500) });
    const fate = rnd(); // about one RR in eight is deleted, one in eight has its run terminated
    if (fate < 0.12) {
      ops.push({ kind: 'delete', rr: i, when: interrupt() });
      ended.add(i);
    } else if (fate < 0.24) {
      ops.push({ kind: 'terminate', rr: i, when: interrupt() });
      ended.add(i);
    }
    if (!ended.has(i) && chance(0.12))
      ops.push({ kind: 'reconstruct', rr: i, when: { phase: 'terminal', delayMs: int(0, 500) } });
  });
  if (chance(0.35)) ops.push({ kind: 'restart', atMs: int(500, 8_000), downMs: int(300, 3_000) });
  if (chance(0.25)) ops.push({ kind: 'kill', atMs: int(0, 4_000), lifeMs: int(1_000, 5_000) });
  const refusals = chance(0.35) ? int(1, 2) : 0;
  for (let k = 0; k < refusals; k++)
    ops.push({ kind: 'refuse', atMs: int(0, 8_000), forMs: int(1_000, 4_000), plural: pick(REFUSABLE) });
  ops.push(...alertOps(seed, targets.length));
  return { seed, targets, rrs, ops };
}

/**
 * Alerts through the gateway, from their own stream of the seed: the schedules seeds
 * gave before alerts existed (the regression seeds among them) keep their operations.
 */
function alertOps(seed: number, targets: number): Op[] {
  const rnd = mulberry32((seed ^ 0x16a1e47) >>> 0);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  return Array.from({ length: int(1, 4) }, () => ({
    kind: 'alert' as const,
    target: int(0, targets - 1),
    atMs: int(500, 15_000),
  }));
}

/** One line per schedule, printed before it runs: enough to see what a seed does. */
export function describeSchedule(s: Schedule): string {
  const count = (k: Op['kind']) => s.ops.filter((o) => o.kind === k).length;
  const kinds = [
    'decide',
    'delete',
    'terminate',
    'reconstruct',
    'restart',
    'kill',
    'refuse',
    'alert',
  ] as const;
  const ops = kinds
    .filter((k) => count(k))
    .map((k) => `${k}×${count(k)}`)
    .join(' ');
  const envs = s.targets.map((t) => t.env[0]).join('');
  return `${s.rrs.length} RRs on ${s.targets.length} targets (${envs}); ${operationCount(s)} operations: create×${s.rrs.length} ${ops}`;
}

export const operationCount = (s: Schedule) => s.rrs.length + s.ops.length;
