/**
 * Deterministic, realistic audit trails: ten events per remediation, shaped as the
 * gateway and the workflow write them (same event types and event_data fields the
 * reconstruction parses), so ingest carries real payload sizes and reconstruction
 * has real work to do. Also the rows the writer would store for them (chain hashes
 * from lib/audit's own helpers, so verify-chain accepts COPY-loaded rows) and their
 * COPY text encoding.
 */
import { type AuditRow, CORE_FIELDS, eventHash, GENESIS_HASH } from '../lib/audit/hash.js';
import { deterministicEventId } from '../lib/audit/ids.js';
import { toRow } from '../lib/audit/rows.js';
import type { AuditEventInput } from '../lib/audit/types.js';
import { mulberry32 } from './stats.js';

export const EVENTS_PER_TRAIL = 10;
const SIGNALS = ['KubePodCrashLooping', 'KubeContainerWaiting', 'KubePodNotReady', 'KubeMemoryPressure'];
const SEVERITIES = ['critical', 'high', 'warning'];
const NAMESPACES = ['shop', 'payments', 'search', 'checkout', 'catalog'];

/**
 * The trail of one remediation that ran to completion. `seed` fixes every id and
 * field; `t0` (ms) is its first event's time.
 */
export function remediationTrail(correlationId: string, seed: number, t0: number): AuditEventInput[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const ns = pick(NAMESPACES);
  const app = `${pick(['web', 'api', 'worker', 'cart'])}-${Math.floor(rand() * 1e6).toString(36)}`;
  const signalName = pick(SIGNALS);
  const severity = pick(SEVERITIES);
  const fingerprint = Array.from({ length: 64 }, () => Math.floor(rand() * 16).toString(16)).join('');
  const spec = {
    signalFingerprint: fingerprint,
    signalName,
    severity,
    signalType: 'alert',
    signalSource: 'prometheus',
    targetType: 'kubernetes',
    targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: app, namespace: ns },
    clusterID: 'bench-cluster',
    firingTime: at(-60),
    receivedTime: at(0),
    signalLabels: { alertname: signalName, severity, namespace: ns, deployment: app, team: 'sre' },
    signalAnnotations: {
      summary: `${signalName} on ${ns}/${app}`,
      description: `Pod of deployment ${app} restarted ${Math.floor(rand() * 20) + 3} times in 10 minutes.`,
      runbook_url: `https://runbooks.example/${signalName}`,
    },
    originalPayload: JSON.stringify({ status: 'firing', labels: { alertname: signalName, namespace: ns } }),
  };
  const kinds = ['SignalProcessing', 'AIAnalysis', 'WorkflowExecution', 'EffectivenessAssessment'];
  const refs = (n: number) =>
    Object.fromEntries(kinds.slice(0, n).map((k) => [k, `${k.toLowerCase()}-${correlationId}`]));
  const sel = {
    workflowId: 'restart-crashlooping-workload',
    version: '1.0.0',
    executionBundle: 'builtin:restart',
    actionType: 'restart',
    confidence: 0.9,
  };
  const ev = (s: number, type: string, outcome: 'success' | 'pending', data: Record<string, unknown>) => ({
    // From the correlation id, not the PRNG: a 32-bit PRNG's streams overlap across
    // 10^5 seeds and would repeat ids; a hash of (correlation, type, time) never does.
    event_id: deterministicEventId('bench', correlationId, type, s),
    version: '1.0',
    event_type: type,
    event_timestamp: at(s),
    event_category: type.startsWith('gateway') ? 'gateway' : 'orchestration',
    event_action: type.split('.')[2] ?? 'event',
    event_outcome: outcome,
    actor_type: 'service',
    actor_id: type.startsWith('gateway') ? 'gateway' : 'remediation-orchestrator',
    resource_type: 'RemediationRequest',
    resource_id: correlationId,
    correlation_id: correlationId,
    namespace: 'kubernaut-system',
    severity,
    event_data: { event_type: type, rr_name: correlationId, rr_namespace: 'kubernaut-system', ...data },
  });
  const move = (s: number, from: string, to: string, n: number) =>
    ev(s, 'orchestrator.lifecycle.transitioned', 'success', {
      from_phase: from,
      to_phase: to,
      message: `now ${to}`,
      phase_start_time: at(s),
      child_refs: refs(n),
      notification_refs: to === 'Completed' ? [`nr-completion-${correlationId}`] : [],
    });
  const timeouts = { global: '1h', processing: '5m', analyzing: '10m', executing: '30m', verifying: '30m' };
  return [
    ev(0, 'gateway.signal.received', 'success', {
      fingerprint,
      received_at: at(0),
      spec,
      signal_name: signalName,
    }),
    ev(1, 'orchestrator.lifecycle.started', 'success', {
      signal_name: signalName,
      target: `${ns}/Deployment/${app}`,
    }),
    ev(1, 'orchestrator.lifecycle.created', 'success', { timeout_config: timeouts }),
    move(1, 'Pending', 'Processing', 1),
    move(2, 'Processing', 'Analyzing', 2),
    ev(3, 'aianalysis.analysis.completed', 'success', {
      ai_analysis: `ai-${correlationId}`,
      root_cause: `Pods of Deployment ${ns}/${app} keep crashing; a restart usually clears it.`,
      selected_workflow: sel,
      approval_required: false,
    }),
    move(3, 'Analyzing', 'Executing', 3),
    move(4, 'Executing', 'Verifying', 4),
    move(5, 'Verifying', 'Completed', 4),
    ev(5, 'orchestrator.lifecycle.completed', 'success', {
      final_phase: 'Completed',
      outcome: 'Remediated',
      completed_at: at(5),
      message: 'Remediated by restart-crashlooping-workload',
      rr_status: { timeoutConfig: timeouts, overallPhase: 'Completed', outcome: 'Remediated' },
    }),
  ];
}

/** The rows the writer would store for a fresh trail: chain positions 1..n, SHA-256 links. */
export function chainedRows(events: AuditEventInput[]): (AuditRow & Record<string, unknown>)[] {
  let previous = GENESIS_HASH;
  return events.map((e, i) => {
    const row: AuditRow = { ...toRow(e), chain_position: i + 1 };
    const hash = eventHash(previous, row, 'sha256');
    const out = { ...row, event_hash: hash, previous_event_hash: previous, hash_algorithm: 'sha256' };
    previous = hash;
    return out;
  });
}

/** The COPY column list: every hashed core column, then the chain's own columns. */
export const COPY_COLUMNS = [...CORE_FIELDS, 'event_hash', 'previous_event_hash', 'hash_algorithm'] as const;

export const COPY_SQL = `COPY audit_events (${COPY_COLUMNS.join(', ')}) FROM STDIN`;

/** COPY text format: tab-separated, \N for null, backslash escapes for \, tab, newline, CR. */
function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function copyLine(row: Record<string, unknown>): string {
  return `${COPY_COLUMNS.map((c) => copyValue(row[c])).join('\t')}\n`;
}
