/**
 * Gateway configuration from the environment (README, Configuration). Kept apart
 * from api/config.ts so the gateway's knobs live with the gateway.
 */
import type { GatewayOptions } from '../lib/gateway/ingest.js';

export interface GatewayConfig extends GatewayOptions {
  /** Largest request body on the signal routes, in bytes (413 beyond). */
  bodyLimit: number;
  /** Most alerts in one Alertmanager payload (400 beyond). */
  maxAlerts: number;
}

export const DEFAULT_CONTROLLER_NAMESPACE = 'kubernaut-system';

const positiveInt = (v: string | undefined, dflt: number, what: string) => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got "${v}"`);
  return n;
};

const flag = (v: string | undefined, dflt: boolean, what: string) => {
  if (v === undefined || v === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new Error(`${what} must be true or false, got "${v}"`);
};

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const skew = env.GATEWAY_MAX_FUTURE_SKEW_SECONDS;
  return {
    controllerNamespace: env.KUBERNAUT_CONTROLLER_NAMESPACE || DEFAULT_CONTROLLER_NAMESPACE,
    ensureNamespace: flag(env.GATEWAY_CREATE_NAMESPACE, true, 'GATEWAY_CREATE_NAMESPACE'),
    clusterId: env.KUBERNAUT_CLUSTER_ID || undefined,
    maxFutureSkewMs: skew === 'off' ? null : positiveInt(skew, 300, 'GATEWAY_MAX_FUTURE_SKEW_SECONDS') * 1000,
    requireManagedLabel: flag(env.GATEWAY_REQUIRE_MANAGED_LABEL, false, 'GATEWAY_REQUIRE_MANAGED_LABEL'),
    maxSignalBytes: positiveInt(env.GATEWAY_MAX_SIGNAL_BYTES, 64 * 1024, 'GATEWAY_MAX_SIGNAL_BYTES'),
    bodyLimit: positiveInt(env.GATEWAY_BODY_LIMIT, 1024 * 1024, 'GATEWAY_BODY_LIMIT'),
    maxAlerts: positiveInt(env.GATEWAY_MAX_ALERTS, 500, 'GATEWAY_MAX_ALERTS'),
  };
}
