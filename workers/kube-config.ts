/**
 * The worker's kubeconfig: every Kubernetes call of the process — activities,
 * controllers, informers, launcher, reconciler, metrics — over one pool of
 * keep-alive connections (lib/kube/keep-alive.ts).
 *
 * Why: without it each call opened its own TLS connection, about a third of the
 * worker's main-thread CPU while remediations park (and the apiserver's handshake on
 * the other side). The pool has no bound on connections, as before: each informer's
 * watch holds one for as long as it runs, and a bound would leave a burst of activity
 * calls queued behind them (or, with as many watches as the bound, waiting forever).
 * What pooling cannot change: the credentials and TLS material are read per request,
 * as before, so a rotated service-account token applies to the next call.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../lib/kube/client.js';
import { keepAliveKubeConfig } from '../lib/kube/keep-alive.js';

export function workerKubeConfig(path?: string): KubeConfig {
  return keepAliveKubeConfig(loadKubeConfig(path), { maxSockets: Number.POSITIVE_INFINITY });
}
