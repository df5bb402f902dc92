/**
 * Which Kubernetes kinds an alert label can name, their API versions and scope, and
 * the name rules checked before a name goes into an API path.
 */
import type { TargetResource } from '../remediation-request.js';

interface KindInfo {
  kind: string;
  apiVersion: string;
  clusterScoped?: boolean;
}

/** Alert label → kind, in the order they are tried (the most specific first). */
export const LABEL_KINDS: readonly [string, KindInfo][] = [
  ['pod', { kind: 'Pod', apiVersion: 'v1' }],
  ['deployment', { kind: 'Deployment', apiVersion: 'apps/v1' }],
  ['statefulset', { kind: 'StatefulSet', apiVersion: 'apps/v1' }],
  ['daemonset', { kind: 'DaemonSet', apiVersion: 'apps/v1' }],
  ['replicaset', { kind: 'ReplicaSet', apiVersion: 'apps/v1' }],
  // Not `job` or `service`: in Prometheus those name the scrape job and service.
  ['job_name', { kind: 'Job', apiVersion: 'batch/v1' }],
  ['cronjob', { kind: 'CronJob', apiVersion: 'batch/v1' }],
  ['persistentvolumeclaim', { kind: 'PersistentVolumeClaim', apiVersion: 'v1' }],
  ['node', { kind: 'Node', apiVersion: 'v1', clusterScoped: true }],
];

const CLUSTER_SCOPED = new Set(['Node', 'Namespace', 'PersistentVolume', 'ClusterRole', 'StorageClass']);
export const isClusterScoped = (kind: string) => CLUSTER_SCOPED.has(kind);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const API_VERSION = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;

/**
 * Why a target cannot be looked up, or null when it can. Names come from untrusted
 * payloads and end up in API server paths, so anything outside Kubernetes' own
 * naming rules is refused rather than escaped.
 */
export function targetProblem(t: TargetResource): string | null {
  if (!KIND.test(t.kind)) return `kind "${t.kind.slice(0, 64)}" is not a Kubernetes kind`;
  if (t.apiVersion !== undefined && !API_VERSION.test(t.apiVersion)) {
    return `apiVersion "${t.apiVersion.slice(0, 64)}" is not valid`;
  }
  if (!DNS_SUBDOMAIN.test(t.name)) return `name "${t.name.slice(0, 64)}" is not a valid Kubernetes name`;
  if (isClusterScoped(t.kind)) {
    if (t.namespace) return `${t.kind} is cluster-scoped and takes no namespace`;
  } else if (!t.namespace || !DNS_LABEL.test(t.namespace)) {
    return `namespace "${(t.namespace ?? '').slice(0, 64)}" is not a valid namespace name`;
  }
  return null;
}
