/**
 * Sends a signal to a remediation's workflow and keeps trying through transient
 * trouble (Temporal restarting, overloaded, a deadline exceeded). A workflow that no
 * longer runs (finished, or never started) needs no signal: that ends the attempt.
 * Answers whether the workflow has what it needs (delivered, or no workflow to tell):
 * a parked workflow does not wake by itself, so a caller that gets false must make
 * sure the signal is sent again later (the child watchers' resync does).
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';

/** 0.5 s doubling, capped at 10 s: about a minute in all. */
export const DEFAULT_SIGNAL_ATTEMPTS = 8;

export async function signalDurably<Args extends unknown[]>(
  client: Client,
  workflowId: string,
  signal: SignalDefinition<Args>,
  args: Args,
  opts: { stopped: () => boolean; log: (msg: string) => void; attempts?: number },
): Promise<boolean> {
  const attempts = opts.attempts ?? DEFAULT_SIGNAL_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflow.getHandle(workflowId).signal(signal, ...args);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return true;
      if (opts.stopped()) return false;
      if (attempt >= attempts) {
        opts.log(`signal ${signal.name} to ${workflowId} failed ${attempt} times: ${(err as Error).message}`);
        return false;
      }
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** (attempt - 1))));
    }
  }
}
