/**
 * The reference for the remediation figure: a workflow that runs `n` no-op
 * activities one after another — what Temporal itself costs for the same number
 * of activities, with none of the orchestration's own work.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface MinimalActivities {
  noop(i: number): Promise<number>;
}

const { noop } = proxyActivities<MinimalActivities>({ startToCloseTimeout: '30 seconds' });

export async function minimalWorkflow(n: number): Promise<number> {
  for (let i = 0; i < n; i++) await noop(i);
  return n;
}
