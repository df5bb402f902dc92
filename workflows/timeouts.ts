/**
 * Phase and global timeouts (DESIGN §5.3): Kubernaut's defaults, per-RR overrides
 * from status.timeoutConfig, and the rule that no phase may outlast the global one.
 * Pure code: used by the workflow and by the launcher.
 */
import { parseDuration } from '../lib/duration.js';

export { parseDuration };
export const TIMEOUT_KEYS = [
  'global',
  'processing',
  'analyzing',
  'awaitingApproval',
  'executing',
  'verifying',
] as const;
export type TimeoutKey = (typeof TIMEOUT_KEYS)[number];
export type TimeoutConfig = Record<TimeoutKey, string>;

export const DEFAULT_TIMEOUTS: TimeoutConfig = {
  global: '1h',
  processing: '5m',
  analyzing: '10m',
  awaitingApproval: '15m',
  executing: '30m',
  verifying: '30m',
};

export interface ResolvedTimeouts {
  config: TimeoutConfig;
  ms: Record<TimeoutKey, number>;
}

/** Merges overrides over defaults; returns the reason when the result is invalid. */
export function resolveTimeouts(
  defaults: Partial<TimeoutConfig> = {},
  overrides: Partial<Record<string, string>> = {},
): ResolvedTimeouts | { error: string } {
  const config = { ...DEFAULT_TIMEOUTS, ...defaults } as TimeoutConfig;
  for (const key of TIMEOUT_KEYS) {
    const v = overrides[key];
    if (v !== undefined && v !== '') config[key] = v;
  }
  const ms = {} as Record<TimeoutKey, number>;
  for (const key of TIMEOUT_KEYS) {
    const parsed = parseDuration(config[key]);
    if (parsed === undefined || parsed <= 0)
      return { error: `timeout ${key}="${config[key]}" is not a positive duration` };
    ms[key] = parsed;
  }
  for (const key of TIMEOUT_KEYS) {
    if (key !== 'global' && ms[key] > ms.global) {
      return { error: `timeout ${key} (${config[key]}) exceeds the global timeout (${config.global})` };
    }
  }
  return { config, ms };
}
