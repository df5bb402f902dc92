/**
 * The run's backstop (invariant I1, docs/invariants.md): every remediation run is
 * started with a Temporal execution timeout of its global timeout plus a slack.
 *
 * The workflow ends its RR at the global deadline by itself (Lifecycle.within), and
 * the reconciler closes out an RR whose run closed without a terminal status. Neither
 * helps a run that stays open and never gets past a workflow task: workflow code that
 * throws on some path (a bug), a nondeterminism error after a deploy, a history the
 * SDK cannot replay. Temporal retries such a task forever and adds nothing to the
 * history, so the run — and its RR — would wait for ever. The execution timeout is
 * kept by the Temporal server, with or without a worker: at global + slack the run
 * closes TIMED_OUT, and the reconciler closes the RR out (Failed, WorkflowTimedOut).
 *
 * The slack is what a healthy run may need after its global deadline: the ending's
 * notification and status writes, and up to executionStopGraceMs (60 s) waiting for
 * an execution to stop. Default 15 minutes (KUBERNAUT_RUN_SLACK_MS). A worker that is
 * down for longer than the slack past an RR's global deadline finds that RR closed
 * out as WorkflowTimedOut instead of ending it itself.
 */
import {
  DEFAULT_TIMEOUTS,
  parseDuration,
  resolveTimeouts,
  type TimeoutConfig,
} from '../workflows/timeouts.js';

export const DEFAULT_RUN_SLACK_MS = 15 * 60_000;

/** KUBERNAUT_RUN_SLACK_MS, else the default; a malformed value throws, naming the variable. */
export function runSlackFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KUBERNAUT_RUN_SLACK_MS;
  if (raw === undefined || raw === '') return DEFAULT_RUN_SLACK_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1000) {
    throw new Error(
      `KUBERNAUT_RUN_SLACK_MS must be a whole number of milliseconds ≥ 1000; got ${JSON.stringify(raw)}`,
    );
  }
  return ms;
}

/**
 * The execution timeout for a run: the global timeout the workflow will resolve (the
 * worker's defaults, the RR's overrides) plus the slack. A configuration the workflow
 * will refuse (it fails the RR at once) gets the default global timeout.
 */
export function runExecutionTimeoutMs(
  defaults: Partial<TimeoutConfig> | undefined,
  overrides: Record<string, string>,
  slackMs: number,
): number {
  const resolved = resolveTimeouts(defaults, overrides);
  if (!('error' in resolved)) return resolved.ms.global + slackMs;
  const fallback = resolveTimeouts(defaults);
  return (
    ('error' in fallback ? (parseDuration(DEFAULT_TIMEOUTS.global) as number) : fallback.ms.global) + slackMs
  );
}
