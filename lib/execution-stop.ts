/**
 * How a WorkflowExecution is stopped, and how anyone can tell that nothing it started
 * still acts on its target (invariant I2, docs/invariants.md). One vocabulary for the
 * three sides of it:
 *  - whoever ends an execution from outside (the workflow when Executing ends without
 *    it, the reconciler's close-out, a person) marks it phase Failed;
 *  - the WorkflowExecution controller honours that by stopping what it started (a
 *    bundle Job) and then recording `executionStatus.status: Stopped`;
 *  - the holder of the target lock lets it go only once the status says so and the
 *    bundle Job has finished or is gone.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from './kube/client.js';
import { kubeRequest } from './kube/raw.js';
import { parseTargetString, type RawObject } from './kube/target.js';

/** failureReason of an execution ended from outside: its remediation gave up on it, or was deleted. */
export const CANCEL_REASONS = ['ExecutionCancelled', 'ParentCancelled'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

type Status = Record<string, unknown>;
const executionStatusOf = (s: Status) => (s.executionStatus as { status?: string } | undefined)?.status;

/**
 * Failed, but not by its controller (which records executionStatus Failed with the
 * failure, and Stopped once it has stopped an execution failed from outside): what
 * it started may still run, so the controller must stop it.
 */
export function mustStop(s: Status): boolean {
  return s.phase === 'Failed' && !['Failed', 'Stopped', 'Completed'].includes(executionStatusOf(s) ?? '');
}

/** Cancelled (by the workflow, the close-out, the RR's deletion), as opposed to failed on its own. */
export function isCancelled(s: Status): boolean {
  return (
    s.phase === 'Failed' &&
    (CANCEL_REASONS.includes(s.failureReason as CancelReason) ||
      ['Stopping', 'Stopped'].includes(executionStatusOf(s) ?? ''))
  );
}

/**
 * What the status says: the execution is over and nothing it started runs any more.
 * Completed, or Failed by its controller, or stopped since; or Failed before any
 * controller claimed it (no executionStatus: nothing started). Still Running, or
 * Failed from outside while running and not yet confirmed stopped, is not.
 */
export function statusSaysStopped(s: Status): boolean {
  if (s.phase === 'Completed') return true;
  if (s.phase !== 'Failed') return false;
  return !['Running', 'Stopping'].includes(executionStatusOf(s) ?? '');
}

/** Job names end up in a label value, so at most 63 characters; long names keep a hash. */
export function jobNameFor(weName: string): string {
  if (weName.length <= 63) return weName;
  const h = createHash('sha256').update(weName).digest('hex').slice(0, 8);
  return `${weName.slice(0, 54)}-${h}`;
}

/** A bundle Job runs next to its target; a cluster-scoped target's (a Node's) in the execution's namespace. */
export const bundleJobNamespace = (targetNamespace: string | undefined, weNamespace: string) =>
  targetNamespace || weNamespace;

/** The namespace of the target named in a WorkflowExecution's spec (`namespace/Kind/name`). */
export const targetNamespaceOf = (targetResource: unknown) =>
  parseTargetString(String(targetResource ?? ''))?.namespace;

export const jobPath = (namespace: string, name = '') =>
  `/apis/batch/v1/namespaces/${namespace}/jobs${name ? `/${name}` : ''}`;

/** The Job, or null when there is none. Read-only. */
export async function readJob(kc: KubeConfig, namespace: string, name: string): Promise<RawObject | null> {
  try {
    return await kubeRequest<RawObject>(kc, 'GET', jobPath(namespace, name));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export type JobState = { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; message: string };

/** Where a Job stands, from its conditions. */
export function jobStateOf(job: RawObject): JobState {
  const conditions = (job.status?.conditions ?? []) as { type: string; status: string; message?: string }[];
  const has = (t: string) => conditions.find((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return { state: 'succeeded' };
  const failed = has('Failed');
  if (failed)
    return {
      state: 'failed',
      message: failed.message || `Job ${job.metadata.namespace}/${job.metadata.name} failed`,
    };
  return { state: 'running' };
}

/**
 * Whether the bundle Job of execution `weName` may still act on the target: it exists
 * and has not finished. A Job being deleted still counts: the controller deletes it in
 * the foreground, so it stays until the garbage collector has removed its Pods, and
 * its being gone means they are gone too. Read-only.
 */
export async function bundleJobRunning(kc: KubeConfig, namespace: string, weName: string): Promise<boolean> {
  const job = await readJob(kc, namespace, jobNameFor(weName));
  return !!job && jobStateOf(job).state === 'running';
}
