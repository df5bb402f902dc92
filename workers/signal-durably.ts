/**
 * Sends a signal to a remediation's workflow and keeps trying through transient
 * trouble (Temporal restarting, overloaded, a deadline exceeded) — a dropped signal
 * would leave the workflow waiting for its slow safety re-read. A workflow that no
 * longer runs (finished, or never started) needs no signal: that ends the attempt.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';

const MAX_ATTEMPTS = 8; // 0.5 s doubling, capped at 10 s: about a minute in all

export async function signalDurably<Args extends unknown[]>(
  client: Client,
  workflowId: string,
  signal: SignalDefinition<Args>,
  args: Args,
  opts: { stopped: () => boolean; log: (msg: string) => void },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.workflow.getHandle(workflowId).signal(signal, ...args);
      return;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || opts.stopped()) return;
      if (attempt >= MAX_ATTEMPTS) {
        opts.log(`signal ${signal.name} to ${workflowId} failed ${attempt} times: ${(err as Error).message}`);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** (attempt - 1))));
    }
  }
}
