/**
 * Configuration of the built-in child controllers: which ones run (the others'
 * kinds are left to an external controller, e.g. Kubernaut's own), and each
 * one's knobs. `controllersConfigFromEnv` reads the environment (README,
 * "Built-in controllers").
 */
import type { Logger } from 'pino';
import type { ApprovalPolicy } from '../../lib/analysis/approval-policy.js';
import type { AnalysisProvider } from '../../lib/analysis/provider.js';
import type { PriorityMatrix } from '../../lib/classification.js';

export const CONTROLLER_NAMES = [
  'signalprocessing',
  'aianalysis',
  'workflowexecution',
  'effectivenessassessment',
  'notification',
] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

export interface SignalProcessingConfig {
  priorityMatrix?: PriorityMatrix;
}

export interface AnalysisConfig {
  /** 'catalog' (default) or 'openai'; or a provider object of your own. */
  provider?: 'catalog' | 'openai' | AnalysisProvider;
  /** Namespace whose RemediationWorkflows and ActionTypes form the catalog (default: all). */
  catalogNamespace?: string;
  /** No matching workflow: ask for manual review (default) or report nothing to do. */
  noMatch?: 'manual-review' | 'no-action';
  approvalPolicy?: Partial<ApprovalPolicy>;
  /** Below this confidence analysis fails and asks for human review (default 0.7). */
  minConfidence?: number;
  openai?: { url: string; model: string; apiKey?: string; timeoutMs?: number };
}

export interface EffectivenessConfig {
  /** After the window, keep re-checking an unhealthy target this long before scoring it (default 60 s). */
  healthGraceMs?: number;
  /** How often to re-check during the grace period (default 2 s). */
  recheckMs?: number;
}

export type ChannelConfig =
  | { type: 'console' }
  | { type: 'file'; path: string }
  | { type: 'webhook'; url: string; headers?: Record<string, string> }
  | { type: 'slack'; url: string };

export interface NotificationRoute {
  /** Every listed field must match (absent = any). */
  match?: { type?: string[]; priority?: string[]; environment?: string[]; severity?: string[] };
  channels: string[];
}

export interface NotificationConfig {
  /** Named channels (default: `console`). */
  channels?: Record<string, ChannelConfig>;
  /** Rules; a notification goes to the union of the channels of every matching rule (default: console). */
  routes?: NotificationRoute[];
  /** Milliseconds per "second" of spec.retryPolicy (default 1000; tests shrink it). */
  backoffUnitMs?: number;
  /** Used when a NotificationRequest has no spec.retryPolicy. */
  defaultRetryPolicy?: Partial<RetryPolicy>;
  /** Per-delivery HTTP timeout (default 10 s). */
  timeoutMs?: number;
  /** How long one replica's claim on a notification lasts without renewal (default 30 s). */
  leaseMs?: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffSeconds: number;
  backoffMultiplier: number;
  maxBackoffSeconds: number;
}

export interface ControllersConfig {
  enabled: ControllerName[];
  logger?: Logger;
  /** Identifies this replica in notification claims (default: hostname + pid). */
  replicaId?: string;
  signalProcessing?: SignalProcessingConfig;
  aiAnalysis?: AnalysisConfig;
  effectiveness?: EffectivenessConfig;
  notification?: NotificationConfig;
}

/** "signalprocessing,aianalysis" → names; "all" or unset → all; "none" or "" → none. */
export function parseEnabledControllers(value: string | undefined): ControllerName[] {
  if (value === undefined || value.trim() === 'all') return [...CONTROLLER_NAMES];
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'none');
  const unknown = names.filter((n) => !(CONTROLLER_NAMES as readonly string[]).includes(n));
  if (unknown.length)
    throw new Error(
      `KUBERNAUT_CONTROLLERS: unknown controller(s) ${unknown.join(', ')}; known: ${CONTROLLER_NAMES.join(', ')}`,
    );
  return names as ControllerName[];
}

const json = <T>(name: string, v: string | undefined): T | undefined => {
  if (!v) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch (err) {
    throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
  }
};

export function controllersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ControllersConfig {
  const channels: Record<string, ChannelConfig> = { console: { type: 'console' } };
  if (env.KUBERNAUT_NOTIFY_FILE) channels.file = { type: 'file', path: env.KUBERNAUT_NOTIFY_FILE };
  if (env.KUBERNAUT_NOTIFY_WEBHOOK_URL)
    channels.webhook = { type: 'webhook', url: env.KUBERNAUT_NOTIFY_WEBHOOK_URL };
  if (env.KUBERNAUT_NOTIFY_SLACK_URL) channels.slack = { type: 'slack', url: env.KUBERNAUT_NOTIFY_SLACK_URL };
  const provider = env.KUBERNAUT_AI_PROVIDER === 'openai' ? 'openai' : 'catalog';
  return {
    enabled: parseEnabledControllers(env.KUBERNAUT_CONTROLLERS),
    aiAnalysis: {
      provider,
      ...(env.KUBERNAUT_CATALOG_NAMESPACE ? { catalogNamespace: env.KUBERNAUT_CATALOG_NAMESPACE } : {}),
      noMatch: env.KUBERNAUT_AI_NO_MATCH === 'no-action' ? 'no-action' : 'manual-review',
      ...(provider === 'openai'
        ? {
            openai: {
              url: env.KUBERNAUT_OPENAI_URL ?? '',
              model: env.KUBERNAUT_OPENAI_MODEL ?? '',
              apiKey: env.KUBERNAUT_OPENAI_API_KEY,
            },
          }
        : {}),
      approvalPolicy: json('KUBERNAUT_APPROVAL_POLICY', env.KUBERNAUT_APPROVAL_POLICY),
    },
    signalProcessing: { priorityMatrix: json('KUBERNAUT_PRIORITY_MATRIX', env.KUBERNAUT_PRIORITY_MATRIX) },
    notification: {
      channels: { ...channels, ...json('KUBERNAUT_NOTIFY_CHANNELS', env.KUBERNAUT_NOTIFY_CHANNELS) },
      routes: json('KUBERNAUT_NOTIFY_ROUTES', env.KUBERNAUT_NOTIFY_ROUTES),
    },
  };
}
