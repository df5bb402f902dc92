/**
 * Container bundles: an execution bundle that is an image runs as a Kubernetes
 * Job next to the target, with the target and the parameters in its environment.
 * The controller creates the Job once and then follows it until it completes or
 * fails.
 */
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import type { RawObject, TargetRef } from '../../lib/kube/target.js';
import { ActionRefused, refusalOf } from './actions.js';

export const isBuiltinBundle = (bundle: string) => bundle.startsWith('builtin:');

/** Job names end up in a label value, so at most 63 characters; long names keep a hash. */
export function jobNameFor(weName: string): string {
  if (weName.length <= 63) return weName;
  const h = createHash('sha256').update(weName).digest('hex').slice(0, 8);
  return `${weName.slice(0, 54)}-${h}`;
}

export type JobState = { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; message: string };

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
    we: { name: string; namespace: string; uid: string };
  },
): Promise<{ name: string; namespace: string; job: RawObject }> {
  const namespace = opts.target.namespace ?? opts.we.namespace;
  const name = jobNameFor(opts.we.name);
  const base = `/apis/batch/v1/namespaces/${namespace}/jobs`;
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
    },
    spec: {
      backoffLimit: 0,
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

/** Where a Job stands, from its conditions. Read-only. */
export async function jobState(kc: KubeConfig, namespace: string, name: string): Promise<JobState> {
  let job: RawObject;
  try {
    job = await kubeRequest<RawObject>(kc, 'GET', `/apis/batch/v1/namespaces/${namespace}/jobs/${name}`);
  } catch (err) {
    if (isNotFound(err)) return { state: 'failed', message: `Job ${namespace}/${name} disappeared` };
    throw err;
  }
  const conditions = (job.status?.conditions ?? []) as { type: string; status: string; message?: string }[];
  const has = (t: string) => conditions.find((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return { state: 'succeeded' };
  const failed = has('Failed');
  if (failed) return { state: 'failed', message: failed.message || `Job ${namespace}/${name} failed` };
  return { state: 'running' };
}
