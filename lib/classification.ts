/**
 * Signal classification (DESIGN §6, SignalProcessing): normalised severity,
 * environment of a namespace, and business priority from severity × environment.
 * Pure functions, so the controller is a thin shell around them and the rules are
 * testable on their own.
 */
import type { ENVIRONMENTS, NORMALISED_SEVERITIES } from './domain.js';

export type Severity = (typeof NORMALISED_SEVERITIES)[number];
export type Environment = (typeof ENVIRONMENTS)[number];
export type BusinessPriority = 'P0' | 'P1' | 'P2' | 'P3';

/** Aliases seen in Prometheus rules, PagerDuty, ITSM tools: Sev1, P0, crit, warn, … */
const SEVERITY_ALIASES: Record<Exclude<Severity, 'unknown'>, string[]> = {
  critical: [
    'critical',
    'crit',
    'emergency',
    'emerg',
    'fatal',
    'alert',
    'page',
    'sev0',
    'sev1',
    'p0',
    'disaster',
  ],
  high: ['high', 'error', 'err', 'major', 'severe', 'sev2', 'p1'],
  warning: ['warning', 'warn', 'medium', 'moderate', 'minor', 'average', 'sev3', 'p2'],
  info: [
    'info',
    'informational',
    'information',
    'notice',
    'low',
    'debug',
    'none',
    'sev4',
    'sev5',
    'p3',
    'p4',
  ],
};

export function normaliseSeverity(raw: string | undefined): Severity {
  const s = (raw ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  for (const [severity, aliases] of Object.entries(SEVERITY_ALIASES))
    if (aliases.includes(s)) return severity as Severity;
  return 'unknown';
}

export const ENVIRONMENT_LABEL = 'kubernaut.ai/environment';

/** Name fragments per environment, matched as whole dash/dot/underscore-separated words. */
const ENVIRONMENT_WORDS: [Exclude<Environment, 'Unknown'>, string[]][] = [
  ['Production', ['production', 'prod', 'prd', 'live']],
  ['Staging', ['staging', 'stage', 'stg', 'preprod', 'uat']],
  ['Development', ['development', 'dev', 'sandbox']],
  ['Test', ['test', 'testing', 'qa', 'ci']],
];

function environmentOfWords(value: string): Environment | undefined {
  const words = value.toLowerCase().split(/[^a-z0-9]+/);
  for (const [env, names] of ENVIRONMENT_WORDS) if (names.some((n) => words.includes(n))) return env;
  return undefined;
}

export interface EnvironmentClassification {
  environment: Environment;
  /** Where it came from: the namespace label, the namespace name, or nothing. */
  source: 'namespace-label' | 'namespace-name' | 'default';
}

/** The namespace label wins; then the namespace's name (e.g. payments-prod); else Unknown. */
export function classifyEnvironment(
  namespace: string | undefined,
  labels: Record<string, string> = {},
): EnvironmentClassification {
  const label = labels[ENVIRONMENT_LABEL];
  if (label) {
    const env = environmentOfWords(label);
    if (env) return { environment: env, source: 'namespace-label' };
  }
  const byName = namespace ? environmentOfWords(namespace) : undefined;
  if (byName) return { environment: byName, source: 'namespace-name' };
  return { environment: 'Unknown', source: 'default' };
}

/** severity → environment → priority. Unknown environments are treated like Staging. */
export type PriorityMatrix = Record<Severity, Record<Environment, BusinessPriority>>;

export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  critical: { Production: 'P0', Staging: 'P1', Development: 'P2', Test: 'P2', Unknown: 'P1' },
  high: { Production: 'P1', Staging: 'P2', Development: 'P3', Test: 'P3', Unknown: 'P2' },
  warning: { Production: 'P2', Staging: 'P3', Development: 'P3', Test: 'P3', Unknown: 'P3' },
  info: { Production: 'P3', Staging: 'P3', Development: 'P3', Test: 'P3', Unknown: 'P3' },
  unknown: { Production: 'P2', Staging: 'P3', Development: 'P3', Test: 'P3', Unknown: 'P3' },
};

export function assignPriority(
  severity: Severity,
  environment: Environment,
  matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX,
): BusinessPriority {
  return matrix[severity]?.[environment] ?? 'P3';
}
