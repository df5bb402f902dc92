/**
 * Where the CLI finds Temporal and the API: flags, then environment, then a config
 * file ($KUBERNAUT_CONFIG or ~/.config/kubernaut/config.yaml), then defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface CliConfig {
  temporalAddress: string;
  temporalNamespace: string;
  apiUrl?: string;
  apiToken?: string;
  /** Namespace of the RemediationRequests (the controller namespace). */
  namespace: string;
  /** Who a direct (non-API) decision is recorded as. */
  user: string;
  /** Audit log verifier keys the user trusts (`kubernaut verify`). */
  auditLogKeys: string[];
}

export interface GlobalFlags {
  temporalAddress?: string;
  temporalNamespace?: string;
  apiUrl?: string;
  token?: string;
  namespace?: string;
  config?: string;
}

export function resolveConfig(flags: GlobalFlags, env = process.env): CliConfig {
  const path = flags.config ?? env.KUBERNAUT_CONFIG ?? join(homedir(), '.config', 'kubernaut', 'config.yaml');
  const file = existsSync(path) ? ((parse(readFileSync(path, 'utf8')) ?? {}) as Partial<CliConfig>) : {};
  return {
    temporalAddress:
      flags.temporalAddress ?? env.TEMPORAL_ADDRESS ?? file.temporalAddress ?? '127.0.0.1:7233',
    temporalNamespace:
      flags.temporalNamespace ?? env.TEMPORAL_NAMESPACE ?? file.temporalNamespace ?? 'default',
    apiUrl: flags.apiUrl ?? env.KUBERNAUT_API_URL ?? file.apiUrl,
    apiToken: flags.token ?? env.KUBERNAUT_API_TOKEN ?? file.apiToken,
    namespace: flags.namespace ?? env.KUBERNAUT_NAMESPACE ?? file.namespace ?? 'kubernaut-system',
    user: env.KUBERNAUT_USER ?? file.user ?? userInfo().username,
    auditLogKeys: env.KUBERNAUT_AUDIT_LOG_KEYS
      ? env.KUBERNAUT_AUDIT_LOG_KEYS.split(',')
          .map((k) => k.trim())
          .filter(Boolean)
      : (file.auditLogKeys ?? []),
  };
}

/** `ns/name` or `name` (in the configured namespace). */
export function rrRef(arg: string, cfg: CliConfig): { namespace: string; name: string } {
  const [a, b] = arg.split('/');
  return b ? { namespace: a!, name: b } : { namespace: cfg.namespace, name: a! };
}
