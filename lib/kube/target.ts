/**
 * Reading the Kubernetes object a remediation points at, as raw JSON, by kind.
 * The built-in controllers act on core and apps kinds; the paths are spelled out
 * here so every controller reads a target the same way.
 */
import * as k8s from '@kubernetes/client-node';
import { specHash } from '../spec-hash.js';
import { isNotFound } from './client.js';
import { kubeRequest } from './raw.js';

export interface TargetRef {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Raw JSON of any object (the typed clients would rename fields). */
export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const KINDS: Record<string, { api: string; plural: string; cluster?: boolean }> = {
  Pod: { api: 'v1', plural: 'pods' },
  Node: { api: 'v1', plural: 'nodes', cluster: true },
  Namespace: { api: 'v1', plural: 'namespaces', cluster: true },
  Service: { api: 'v1', plural: 'services' },
  Deployment: { api: 'apps/v1', plural: 'deployments' },
  ReplicaSet: { api: 'apps/v1', plural: 'replicasets' },
  StatefulSet: { api: 'apps/v1', plural: 'statefulsets' },
  DaemonSet: { api: 'apps/v1', plural: 'daemonsets' },
  Job: { api: 'batch/v1', plural: 'jobs' },
  CronJob: { api: 'batch/v1', plural: 'cronjobs' },
};

export const isKnownKind = (kind: string) => kind in KINDS;
export const apiVersionOf = (kind: string) => KINDS[kind]?.api ?? 'v1';

/** The REST path of an object (or, with `sub`, of its subresource such as scale). */
export function objectPath(t: TargetRef, sub?: string): string {
  const k = KINDS[t.kind];
  if (!k) throw new Error(`unsupported kind ${t.kind}`);
  const base = k.api === 'v1' ? '/api/v1' : `/apis/${k.api}`;
  const ns = k.cluster ? '' : `/namespaces/${encodeURIComponent(t.namespace ?? 'default')}`;
  return `${base}${ns}/${k.plural}/${encodeURIComponent(t.name)}${sub ? `/${sub}` : ''}`;
}

export const describeTarget = (t: TargetRef) =>
  `${t.kind} ${t.namespace && !KINDS[t.kind]?.cluster ? `${t.namespace}/` : ''}${t.name}`;

/** The object, or null when it does not exist. Read-only. */
export async function readObject(kc: k8s.KubeConfig, t: TargetRef): Promise<RawObject | null> {
  try {
    return await kubeRequest<RawObject>(kc, 'GET', objectPath(t));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Hash of the target's spec: what the analysis records and what the workflow's
 * readTargetSpecHash activity compares before an approved action — one function, so
 * the two always agree on "unchanged".
 */
export async function targetSpecHash(kc: k8s.KubeConfig, t: TargetRef): Promise<string | null> {
  const generic = k8s.KubernetesObjectApi.makeApiClient(kc);
  try {
    const obj = await generic.read({
      apiVersion: t.apiVersion ?? apiVersionOf(t.kind),
      kind: t.kind,
      metadata: { name: t.name, namespace: t.namespace },
    });
    return specHash((obj as { spec?: unknown }).spec ?? {});
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Parses WorkflowExecution.spec.targetResource: "ns/Kind/name" or "Kind/name" (cluster-scoped). */
export function parseTargetString(s: string): TargetRef | null {
  const parts = s.split('/');
  if (parts.length === 3 && parts.every(Boolean))
    return { namespace: parts[0], kind: parts[1]!, name: parts[2]! };
  if (parts.length === 2 && parts.every(Boolean)) return { kind: parts[0]!, name: parts[1]! };
  return null;
}
