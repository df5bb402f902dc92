/**
 * Container bundles: an execution bundle that is an image runs as a Kubernetes
 * Job next to the target, with the target and the parameters in its environment.
 * The controller creates the Job once and then follows it until it completes or
 * fails — or, when the execution is cancelled, deletes it (invariant I2).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION } from '../../lib/domain.js';
import {
  bundleJobNamespace,
  type JobState,
  jobNameFor,
  jobPath,
  jobStateOf,
  readJob,
} from '../../lib/execution-stop.js';
import { isConflict, isNotFound } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import type { RawObject, TargetRef } from '../../lib/kube/target.js';
import { ActionRefused, refusalOf } from './actions.js';

export { type JobState, jobNameFor } from '../../lib/execution-stop.js';

export const isBuiltinBundle = (bundle: string) => bundle.startsWith('builtin:');

/** Kubernaut's default Executing timeout: the bound of a Job whose execution names no deadline. */
const DEFAULT_DEADLINE_S = 30 * 60;

/**
 * activeDeadlineSeconds: the Job controller kills the Job's Pods and fails it once the
 * execution's deadline (spec.timesOutAt) passes, so a bundle cannot outlive its
 * execution even if nothing else stops it (the WorkflowExecution controller, the
 * worker, the workflow all gone). At least 1 s: 0 is not a valid value.
 */
export function activeDeadlineSeconds(timesOutAt: string | undefined, now = Date.now()): number {
  const at = timesOutAt ? Date.parse(timesOutAt) : Number.NaN;
  if (Number.isNaN(at)) return DEFAULT_DEADLINE_S;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

const envName = (k: string) =>
  k
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toUpperCase();

/**
 * Creates the bundle's Job unless it exists. Idempotent: the name is derived from
 * the WorkflowExecution, a 409 reads the existing Job, and a Job of that name
 * made by another execution (different uid label) is refused rather than followed.
 */
export async function ensureBundleJob(
  kc: KubeConfig,
  opts: {
    image: string;
    target: TargetRef;
    params: Record<string, string>;
    dryRun: boolean;
    /** The execution's deadline (its spec.timesOutAt). */
    deadline?: string;
    we: { name: string; namespace: string; uid: string };
  },
): Promise<{ name: string; namespace: string; job: RawObject }> {
  const namespace = bundleJobNamespace(opts.target.namespace, opts.we.namespace);
  const name = jobNameFor(opts.we.name);
  const base = jobPath(namespace);
  const body = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      labels: {
        'kubernaut.ai/workflow-execution': opts.we.name,
        'kubernaut.ai/workflow-execution-uid': opts.we.uid,
      },
      // Owned by its execution where Kubernetes allows it: an owner must be in the same
      // namespace (a cross-namespace owner makes the garbage collector delete the
      // dependent), and a target usually lives outside the controller namespace.
      ...(namespace === opts.we.namespace
        ? {
            ownerReferences: [
              { apiVersion: API_VERSION, kind: 'WorkflowExecution', name: opts.we.name, uid: opts.we.uid },
            ],
          }
        : {}),
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: activeDeadlineSeconds(opts.deadline),
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: { 'kubernaut.ai/workflow-execution': opts.we.name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'bundle',
              image: opts.image,
              env: [
                { name: 'TARGET_KIND', value: opts.target.kind },
                { name: 'TARGET_NAME', value: opts.target.name },
                { name: 'TARGET_NAMESPACE', value: opts.target.namespace ?? '' },
                ...Object.entries(opts.params).map(([k, v]) => ({ name: `PARAM_${envName(k)}`, value: v })),
              ],
            },
          ],
        },
      },
    },
  };
  try {
    const job = await kubeRequest<RawObject>(kc, 'POST', `${base}${opts.dryRun ? '?dryRun=All' : ''}`, body);
    return { name, namespace, job };
  } catch (err) {
    if (!isConflict(err)) throw refusalOf(err) ?? err;
    const job = await kubeRequest<RawObject>(kc, 'GET', `${base}/${name}`);
    if (job.metadata.labels?.['kubernaut.ai/workflow-execution-uid'] !== opts.we.uid)
      throw new ActionRefused(`Job ${namespace}/${name} exists but was not created by this execution`);
    return { name, namespace, job };
  }
}

/** Where a Job stands; a Job that disappeared failed. Read-only. */
export async function jobState(kc: KubeConfig, namespace: string, name: string): Promise<JobState> {
  const job = await readJob(kc, namespace, name);
  if (!job) return { state: 'failed', message: `Job ${namespace}/${name} disappeared` };
  return jobStateOf(job);
}

/**
 * Deletes the bundle Job of a cancelled execution, in the foreground: the Job object
 * stays (deletionTimestamp set) until the garbage collector has removed its Pods, so
 * "the Job is gone" means nothing of it still runs. Idempotent: a Job already gone,
 * or already being deleted, is left to finish going; the delete is conditioned on the
 * uid read, so a Job made since under the same name is never deleted by mistake.
 */
export async function deleteBundleJob(kc: KubeConfig, job: RawObject): Promise<void> {
  if ((job.metadata as { deletionTimestamp?: string }).deletionTimestamp) return;
  try {
    await kubeRequest(kc, 'DELETE', jobPath(job.metadata.namespace!, job.metadata.name), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      preconditions: { uid: job.metadata.uid },
    });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}
