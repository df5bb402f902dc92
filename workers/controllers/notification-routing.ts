/**
 * Which channels a notification goes to: every rule whose match holds
 * contributes its channels (absent fields match anything); no rule matching
 * means the default, console. Pure.
 */
import type { NotificationRoute, RetryPolicy } from './config.js';

export interface RoutingFacts {
  type: string;
  priority: string;
  severity?: string;
  environment: string;
}

export const DEFAULT_CHANNELS = ['console'];

export function routeNotification(facts: RoutingFacts, routes: NotificationRoute[] = []): string[] {
  const fits = (values: string[] | undefined, v: string | undefined) =>
    !values || (v !== undefined && values.some((x) => x.toLowerCase() === v.toLowerCase()));
  const channels = routes
    .filter(
      (r) =>
        fits(r.match?.type, facts.type) &&
        fits(r.match?.priority, facts.priority) &&
        fits(r.match?.severity, facts.severity) &&
        fits(r.match?.environment, facts.environment),
    )
    .flatMap((r) => r.channels);
  return channels.length ? [...new Set(channels)] : DEFAULT_CHANNELS;
}

/** Kubernaut's defaults for spec.retryPolicy. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffSeconds: 30,
  backoffMultiplier: 2,
  maxBackoffSeconds: 480,
};

/** Wait after the n-th failed attempt (n ≥ 1), in policy seconds. */
export const backoffSeconds = (p: RetryPolicy, n: number) =>
  Math.min(p.maxBackoffSeconds, p.initialBackoffSeconds * p.backoffMultiplier ** Math.max(0, n - 1));
