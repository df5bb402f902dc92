/**
 * What the randomized schedule test runs with, shared by the test process and the
 * worker replica it SIGKILLs (replica-main.ts): both must start workflows with the
 * same settings, whichever launcher gets to an RR first.
 *
 * Times are shrunk so a schedule ends in seconds: every phase deadline is short
 * (a schedule sets some shorter still per RR, through `kubernaut.ai/timeout-<key>`
 * annotations), routing waits are seconds, not minutes, and the built-in
 * controllers run in fast mode (no stabilisation window, a short health grace).
 */
import type { Logger } from 'pino';
import type { ControllersConfig } from '../../workers/controllers/config.js';
import type { RemediationInput } from '../../workflows/remediation.js';
import { parseDuration } from '../../workflows/timeouts.js';

export const DEFAULT_TIMEOUTS = {
  global: '30s',
  processing: '10s',
  analyzing: '10s',
  awaitingApproval: '8s',
  executing: '10s',
  verifying: '10s',
} as const;
export const DEFAULT_GLOBAL_MS = parseDuration(DEFAULT_TIMEOUTS.global)!;

export const CHAOS_SETTINGS: NonNullable<RemediationInput['settings']> = {
  stabilizationWindow: '0s',
  // A lost routingChanged signal (its launcher was down) costs seconds, not a minute.
  safetyRecheckMs: 5_000,
  defaultTimeouts: DEFAULT_TIMEOUTS,
  routingRules: {
    recentlyRemediatedCooldownMs: 3_000,
    backoffBaseMs: 1_000,
    backoffMaxMs: 4_000,
    consecutiveFailureThreshold: 3,
    consecutiveFailureBlockMs: 5_000,
  },
};

/** The reconciler's pass interval (the I1 slack is counted in it). */
export const RECONCILE_INTERVAL_MS = 1_000;

/**
 * The built-in controllers but WorkflowExecution, which the test plays (executor.ts)
 * so that an execution lasts as long as the schedule says — long enough for two
 * executions on one target to overlap if the target lock ever let them.
 */
export function chaosControllers(logger: Logger): ControllersConfig {
  return {
    enabled: ['signalprocessing', 'aianalysis', 'effectivenessassessment', 'notification'],
    logger,
    effectiveness: { healthGraceMs: 2_000, recheckMs: 100 },
    notification: { channels: { console: { type: 'file', path: '/dev/null' } } },
  };
}

/** How many schedules, from which seeds (README of this suite: test/chaos/README.md). */
export interface RunPlan {
  baseSeed: number;
  seeds: number[];
  /** CHAOS_SEED was given: one schedule, replayed. */
  replay: boolean;
}

export function runPlan(env: NodeJS.ProcessEnv = process.env): RunPlan {
  const num = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${raw}`);
    return n;
  };
  const seed = num('CHAOS_SEED');
  if (seed !== undefined) return { baseSeed: seed, seeds: [seed >>> 0], replay: true };
  const baseSeed = num('CHAOS_BASE_SEED') ?? Math.floor(Math.random() * 2 ** 32);
  const count = num('CHAOS_SCHEDULES') ?? 20;
  // Spread the schedule seeds over 32 bits (golden-ratio step), each printable and replayable alone.
  const seeds = Array.from({ length: count }, (_, i) => (baseSeed + Math.imul(i, 0x9e3779b1)) >>> 0);
  return { baseSeed, seeds, replay: false };
}
