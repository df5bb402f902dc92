/**
 * A view of a kubeconfig whose requests share keep-alive connections.
 *
 * @kubernetes/client-node builds a fresh https.Agent for every request (typed, raw
 * and watch), so each call paid a new TCP connection and a TLS handshake with a
 * freshly built secure context — most of the gateway's CPU under load, and about a
 * third of the worker's main thread while remediations park (a CPU profile of the
 * bench's worker: getPeerCertificate, TLS init/start, addCACert, connect, destroySSL).
 * This view lets the kubeconfig do everything as before (credentials, headers, TLS
 * material, read per request, so rotated tokens and certificates still apply) and
 * then swaps the throwaway agent for a pooled one built from the same TLS options.
 * When the TLS material changes, a new pool is built. Proxy agents are left alone.
 *
 * What it does not change: a call that fails on a pooled connection fails as it
 * would on a fresh one, and every caller already handles that (activities retry,
 * informers re-list, the gateway answers 5xx). The one failure a pool adds, a request
 * sent on an idle connection the server is closing, is avoided by closing idle
 * connections first (IDLE_SOCKET_MS, well under the kube-apiserver's 90 s).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const TLS_KEYS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'ciphers',
  'crl',
  'secureOptions',
  'secureProtocol',
] as const;

type AnyAgent = http.Agent & { options?: Record<string, unknown> };

const material = (v: unknown): unknown =>
  Buffer.isBuffer(v) ? v.toString('base64') : Array.isArray(v) ? v.map(material) : v;

/** Idle pooled connections are closed after this (the kube-apiserver closes them after 90 s). */
export const IDLE_SOCKET_MS = 30_000;

export interface KeepAliveOptions {
  /**
   * Connections per apiserver (default 32). A watch holds one for as long as it
   * runs, so a process with watches needs room for them besides its calls.
   */
  maxSockets?: number;
  /** How long a connection may sit idle in the pool (default IDLE_SOCKET_MS). */
  idleSocketMs?: number;
}

export function keepAliveKubeConfig(kc: KubeConfig, opts: KeepAliveOptions = {}): KubeConfig {
  const maxSockets = opts.maxSockets ?? 32;
  const timeout = opts.idleSocketMs ?? IDLE_SOCKET_MS;
  let pooled: { key: string; agent: http.Agent } | undefined;

  /** The pooled agent for the same TLS options as `fresh`, or `fresh` if it is not a plain agent. */
  const reuse = (fresh: unknown): unknown => {
    const agent = fresh as AnyAgent | undefined;
    const ctor: unknown = agent?.constructor;
    if (!agent || (ctor !== https.Agent && ctor !== http.Agent)) return fresh;
    const options = agent.options ?? {};
    const key = JSON.stringify([ctor === https.Agent, ...TLS_KEYS.map((k) => material(options[k]))]);
    if (pooled?.key !== key) {
      // The previous pool is dropped, not destroyed: requests may still be using it,
      // and its idle sockets are unref'd.
      const tls = Object.fromEntries(
        TLS_KEYS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]),
      );
      const Agent = ctor === https.Agent ? https.Agent : http.Agent;
      // `timeout` closes a connection only while it is idle in the pool (node's Agent).
      pooled = { key, agent: new Agent({ ...tls, keepAlive: true, maxSockets, timeout }) };
    }
    return pooled.agent;
  };

  const view = Object.create(kc) as KubeConfig;
  view.applyToHTTPSOptions = async (opts) => {
    await kc.applyToHTTPSOptions(opts);
    opts.agent = reuse(opts.agent) as https.Agent;
  };
  view.applySecurityAuthentication = async (context) => {
    await kc.applySecurityAuthentication(context);
    context.setAgent(reuse(context.getAgent()) as https.Agent);
  };
  return view;
}
