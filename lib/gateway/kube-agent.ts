/**
 * A view of a kubeconfig whose requests share keep-alive connections.
 *
 * @kubernetes/client-node builds a fresh https.Agent for every request (typed and
 * raw), so each call paid a new TCP connection and a TLS handshake with a freshly
 * built secure context — most of the gateway's CPU under load. This view lets the
 * kubeconfig do everything as before (credentials, headers, TLS material, read per
 * request, so rotated tokens and certificates still apply) and then swaps the
 * throwaway agent for a pooled one built from the same TLS options. When the TLS
 * material changes, a new pool is built. Proxy agents are left alone.
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

export function keepAliveKubeConfig(kc: KubeConfig, maxSockets = 32): KubeConfig {
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
      const opts = Object.fromEntries(
        TLS_KEYS.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]),
      );
      const Agent = ctor === https.Agent ? https.Agent : http.Agent;
      pooled = { key, agent: new Agent({ ...opts, keepAlive: true, maxSockets }) };
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
