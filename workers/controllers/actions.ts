/**
 * The built-in remediation actions of the WorkflowExecution controller. Each one
 * is idempotent, so a retry after a crash or a second replica repeating it never
 * acts twice; each doc comment says why. With `dryRun` every write goes to the
 * API server with dryRun=All: validated and defaulted, never stored.
 *
 * Whether each can be undone — and so recorded before it acts and rolled back on an
 * ineffective verdict, or never auto-approved — is declared in
 * lib/rollback/compensable.ts (restart, scale, set-resources: yes; delete-pod,
 * cordon-node: no); a unit test checks every action here has a declaration.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound, statusOf } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import {
  describeTarget,
  objectPath,
  type RawObject,
  readObject,
  type TargetRef,
} from '../../lib/kube/target.js';
import { specHash } from '../../lib/spec-hash.js';
import { specDiff } from './spec-diff.js';

export interface ActionInput {
  kc: KubeConfig;
  target: TargetRef;
  params: Record<string, string>;
  dryRun: boolean;
  /** The WorkflowExecution: its uid marks what it did; its claim time orders events. */
  we: { name: string; namespace: string; uid: string; startTime: string };
}

export interface ActionOutcome {
  summary: string;
  dryRunDiff?: string;
  /** The spec after a dry run (the server's answer), for its hash. */
  dryRunSpecHash?: string;
}

/** A refusal the action cannot get past by retrying (bad parameters, wrong kind, 4xx). */
export class ActionRefused extends Error {
  constructor(
    message: string,
    readonly reason: 'ConfigurationError' | 'Forbidden' | 'TaskFailed' = 'ConfigurationError',
  ) {
    super(message);
  }
}

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const RESTARTED_BY = 'kubernaut.ai/restarted-by';
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

export const BUILTIN_ACTIONS: Record<string, (a: ActionInput) => Promise<ActionOutcome>> = {
  restart,
  scale,
  'set-resources': setResources,
  'delete-pod': deletePod,
  'cordon-node': cordonNode,
};

/** PATCH, with dryRun=All when asked; Kubernetes 4xx answers (except 409/429) become refusals. */
async function patch(a: ActionInput, body: unknown, type: string, sub?: string): Promise<RawObject> {
  const path = `${objectPath(a.target, sub)}${a.dryRun ? '?dryRun=All' : ''}`;
  try {
    return await kubeRequest<RawObject>(a.kc, 'PATCH', path, body, type);
  } catch (err) {
    throw refusalOf(err) ?? err;
  }
}

export function refusalOf(err: unknown): ActionRefused | undefined {
  const code = statusOf(err);
  if (code === undefined || code < 400 || code >= 500 || code === 409 || code === 429) return undefined;
  return new ActionRefused((err as Error).message, code === 403 ? 'Forbidden' : 'ConfigurationError');
}

async function mustRead(a: ActionInput, kinds: string[]): Promise<RawObject> {
  if (!kinds.includes(a.target.kind))
    throw new ActionRefused(
      `cannot run this action on a ${a.target.kind}; it applies to ${kinds.join(', ')}`,
    );
  const obj = await readObject(a.kc, a.target);
  if (!obj) throw new ActionRefused(`${describeTarget(a.target)} not found`);
  return obj;
}

function dryRunReport(before: RawObject, after: RawObject, summary: string): ActionOutcome {
  const diff = specDiff(before.spec ?? {}, after.spec ?? {});
  return {
    summary: `Dry run: ${summary}`,
    dryRunDiff: diff.length ? diff.join('\n') : '(no change)',
    dryRunSpecHash: specHash(after.spec ?? {}),
  };
}

/**
 * Rolling restart, as `kubectl rollout restart`: stamps the pod template.
 * Idempotent: the stamp's value is this execution's claim time (fixed in its
 * status) and a second annotation names this execution's uid; a template that
 * already carries our uid is not patched again, so a retry never restarts twice.
 */
async function restart(a: ActionInput): Promise<ActionOutcome> {
  const before = await mustRead(a, WORKLOADS);
  const template = (before.spec?.template ?? {}) as { metadata?: { annotations?: Record<string, string> } };
  const summary = `restarted ${describeTarget(a.target)} (pod template ${RESTARTED_AT}=${a.we.startTime})`;
  if (!a.dryRun && template.metadata?.annotations?.[RESTARTED_BY] === a.we.uid) return { summary };
  const after = await patch(
    a,
    {
      spec: {
        template: { metadata: { annotations: { [RESTARTED_AT]: a.we.startTime, [RESTARTED_BY]: a.we.uid } } },
      },
    },
    'application/strategic-merge-patch+json',
  );
  return a.dryRun ? dryRunReport(before, after, summary) : { summary };
}

/** Sets spec.replicas through the scale subresource. Idempotent: an absolute value. */
async function scale(a: ActionInput): Promise<ActionOutcome> {
  const replicas = Number(a.params.replicas);
  if (!a.params.replicas || !Number.isInteger(replicas) || replicas < 0)
    throw new ActionRefused(
      `parameter replicas must be a whole number ≥ 0, got ${JSON.stringify(a.params.replicas)}`,
    );
  const before = await mustRead(a, ['Deployment', 'StatefulSet', 'ReplicaSet']);
  const was = (before.spec?.replicas as number | undefined) ?? 1;
  const summary = `scaled ${describeTarget(a.target)} from ${was} to ${replicas} replicas`;
  await patch(a, { spec: { replicas } }, 'application/merge-patch+json', 'scale');
  if (!a.dryRun) return { summary };
  return dryRunReport(before, { ...before, spec: { ...before.spec, replicas } }, summary);
}

const RESOURCE_PARAMS = {
  cpuRequest: ['requests', 'cpu'],
  cpuLimit: ['limits', 'cpu'],
  memoryRequest: ['requests', 'memory'],
  memoryLimit: ['limits', 'memory'],
} as const;

/**
 * Sets container requests/limits (parameters cpuRequest, cpuLimit, memoryRequest,
 * memoryLimit; `container` picks one container, default all). Idempotent: a
 * strategic merge of absolute values keyed by container name.
 */
async function setResources(a: ActionInput): Promise<ActionOutcome> {
  const before = await mustRead(a, WORKLOADS);
  const resources: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
  for (const [param, [section, key]] of Object.entries(RESOURCE_PARAMS)) {
    const v = a.params[param];
    if (v) resources[section] = { ...resources[section], [key]: v };
  }
  if (!resources.requests && !resources.limits)
    throw new ActionRefused(`set-resources needs at least one of ${Object.keys(RESOURCE_PARAMS).join(', ')}`);
  const podSpec = (before.spec?.template as { spec?: { containers?: { name: string }[] } })?.spec;
  const names = (podSpec?.containers ?? []).map((c) => c.name);
  const chosen = a.params.container ? names.filter((n) => n === a.params.container) : names;
  if (!chosen.length)
    throw new ActionRefused(`container ${a.params.container} not found in ${describeTarget(a.target)}`);
  const summary = `set ${JSON.stringify(resources)} on container(s) ${chosen.join(', ')} of ${describeTarget(a.target)}`;
  const after = await patch(
    a,
    { spec: { template: { spec: { containers: chosen.map((name) => ({ name, resources })) } } } },
    'application/strategic-merge-patch+json',
  );
  return a.dryRun ? dryRunReport(before, after, summary) : { summary };
}

/**
 * Deletes a Pod so its controller replaces it. Idempotent: a Pod already gone,
 * or one created after this execution started (the replacement), is left alone;
 * the delete carries the uid as a precondition so it can only hit the Pod seen.
 */
async function deletePod(a: ActionInput): Promise<ActionOutcome> {
  if (a.target.kind !== 'Pod') throw new ActionRefused(`delete-pod applies to a Pod, not a ${a.target.kind}`);
  const summary = `deleted ${describeTarget(a.target)}`;
  const pod = await readObject(a.kc, a.target);
  const created = (pod?.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp;
  if (!pod || (created && Date.parse(created) > Date.parse(a.we.startTime))) {
    if (a.dryRun) throw new ActionRefused(`${describeTarget(a.target)} not found`);
    return { summary };
  }
  try {
    await kubeRequest(a.kc, 'DELETE', `${objectPath(a.target)}${a.dryRun ? '?dryRun=All' : ''}`, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { uid: pod.metadata.uid },
    });
  } catch (err) {
    // Gone meanwhile (404) or already replaced (409 on the uid precondition): done.
    if (!isNotFound(err) && statusOf(err) !== 409) throw refusalOf(err) ?? err;
  }
  return a.dryRun
    ? { summary: `Dry run: ${summary}`, dryRunDiff: `pod ${a.target.name}: exists → deleted` }
    : { summary };
}

/** Marks a Node unschedulable. Idempotent: an absolute value. */
async function cordonNode(a: ActionInput): Promise<ActionOutcome> {
  const before = await mustRead(a, ['Node']);
  const summary = `cordoned ${describeTarget(a.target)}`;
  const after = await patch(a, { spec: { unschedulable: true } }, 'application/merge-patch+json');
  return a.dryRun ? dryRunReport(before, after, summary) : { summary };
}
