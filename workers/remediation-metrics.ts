/**
 * Remediation metrics derived from what the workflow writes, never from workflow
 * code (which must stay deterministic): an informer on RemediationRequests turns
 * status.overallPhase changes into phase counts, phase durations (from the phase
 * start times in status.phaseProgress), terminal outcomes and routing blocks; one
 * on RemediationApprovalRequests turns a first decision into an approval count and
 * wait time. Objects already present at the first list are counted in the gauges
 * only: their transitions happened before this process and may have been counted
 * by an earlier one.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../activities/kube-objects.js';
import { isTerminalPhase } from '../lib/domain.js';
import { DEFAULT_TIMEOUTS, parseDuration, type TimeoutKey } from '../workflows/timeouts.js';
import { watchKind } from './informer.js';
import { workerMetrics as m, type PhaseSource, phaseSources } from './metrics.js';

interface RRState {
  uid: string;
  phase: string;
  /** When the current phase began (ms), from the status, else when we saw it. */
  since: number;
  blockReason?: string;
  /** Timeout of the current phase (ms), measured from `since`. */
  timeoutMs?: number;
}

/** The phase start time field in status.phaseProgress, and the timeout that bounds the phase. */
const PHASES: Record<string, { startField?: string; timeout: TimeoutKey }> = {
  Pending: { timeout: 'global' },
  Processing: { startField: 'processingStartTime', timeout: 'processing' },
  Analyzing: { startField: 'analyzingStartTime', timeout: 'analyzing' },
  AwaitingApproval: { startField: 'awaitingApprovalStartTime', timeout: 'awaitingApproval' },
  Executing: { startField: 'executingStartTime', timeout: 'executing' },
  Verifying: { startField: 'verifyingStartTime', timeout: 'verifying' },
  // A block has no start time of its own; the global timeout still bounds the RR.
  Blocked: { timeout: 'global' },
};

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const time = (v: unknown) => {
  const t = v instanceof Date ? v.getTime() : Date.parse(str(v) ?? '');
  return Number.isNaN(t) ? undefined : t;
};
/** KubeObject leaves creationTimestamp out; the apiserver always sets it. */
const created = (o: KubeObject) => time((o.metadata as { creationTimestamp?: unknown }).creationTimestamp);

function stateOf(rr: KubeObject, prev: RRState | undefined, now: number): RRState {
  const status = (rr.status ?? {}) as Record<string, unknown>;
  const phase = str(status.overallPhase) ?? 'Pending';
  const progress = (status.phaseProgress ?? {}) as Record<string, unknown>;
  const started = time(status.startTime) ?? created(rr) ?? now;
  const spec = PHASES[phase];
  let since: number;
  if (isTerminalPhase(phase)) since = time(status.completedAt) ?? now;
  else if (spec?.timeout === 'global')
    since = phase === 'Blocked' && prev?.phase !== 'Blocked' ? now : started;
  else since = time(spec?.startField ? progress[spec.startField] : undefined) ?? now;
  if (phase === 'Blocked' && prev?.phase === 'Blocked') since = prev.since;
  const routing = (status.routingStatus ?? {}) as Record<string, unknown>;
  let timeoutMs: number | undefined;
  if (spec && !isTerminalPhase(phase)) {
    // status.timeoutConfig (Kubernaut's four), else the annotation (awaitingApproval, verifying).
    const configured =
      str((status.timeoutConfig as Record<string, unknown> | undefined)?.[spec.timeout]) ??
      str(rr.metadata.annotations?.[`kubernaut.ai/timeout-${spec.timeout}`]);
    timeoutMs = parseDuration(configured ?? DEFAULT_TIMEOUTS[spec.timeout]);
    // Pending and Blocked count from the RR's start, against the global timeout.
    if (spec.timeout === 'global' && timeoutMs !== undefined)
      timeoutMs += since === started ? 0 : since - started;
  }
  return { uid: rr.metadata.uid ?? '', phase, since, blockReason: str(routing.blockReason), timeoutMs };
}

/** Counts what changed between two states of one RR. */
function observeTransition(rr: KubeObject, prev: RRState, next: RRState) {
  if (prev.phase !== next.phase) {
    m.phaseDuration.observe({ phase: prev.phase }, Math.max(0, next.since - prev.since) / 1000);
    if (isTerminalPhase(next.phase) && !isTerminalPhase(prev.phase)) {
      const status = (rr.status ?? {}) as Record<string, unknown>;
      const completion = (status.completionStatus ?? {}) as Record<string, unknown>;
      m.finished.inc({ phase: next.phase, outcome: str(completion.outcome) ?? 'none' });
      const started = time(status.startTime);
      if (started !== undefined)
        m.duration.observe({ phase: next.phase }, Math.max(0, next.since - started) / 1000);
    }
  }
  if (
    next.phase === 'Blocked' &&
    next.blockReason &&
    (prev.phase !== 'Blocked' || prev.blockReason !== next.blockReason)
  )
    m.routingBlocks.inc({ reason: next.blockReason });
}

export interface RemediationMetrics {
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function startRemediationMetrics(opts: {
  kc: KubeConfig;
  namespace?: string;
  log: (msg: string) => void;
}): RemediationMetrics {
  const rrs = new Map<string, RRState>();
  const decided = new Map<string, string>(); // RAR key → uid, once it carries a decision
  let listed = false;
  const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

  const source: PhaseSource = {
    countsByPhase() {
      const out = new Map<string, number>();
      for (const s of rrs.values()) out.set(s.phase, (out.get(s.phase) ?? 0) + 1);
      return out;
    },
    stuckByPhase(now) {
      const out = new Map<string, number>();
      for (const s of rrs.values())
        if (s.timeoutMs !== undefined && now - s.since > s.timeoutMs)
          out.set(s.phase, (out.get(s.phase) ?? 0) + 1);
      return out;
    },
  };
  phaseSources.add(source);

  const rrInformer = watchKind(
    opts.kc,
    'remediationrequests',
    {
      onUpsert(rr) {
        const key = keyOf(rr);
        const found = rrs.get(key);
        const prev = found?.uid === rr.metadata.uid ? found : undefined;
        const next = stateOf(rr, prev, Date.now());
        if (prev && listed) observeTransition(rr, prev, next);
        rrs.set(key, next);
      },
      onDelete: (rr) => void rrs.delete(keyOf(rr)),
    },
    opts.log,
    opts.namespace,
  );

  const rarInformer = watchKind(
    opts.kc,
    'remediationapprovalrequests',
    {
      onUpsert(rar) {
        const key = keyOf(rar);
        const uid = rar.metadata.uid ?? '';
        const status = (rar.status ?? {}) as Record<string, unknown>;
        const decision = str(status.decision);
        if (!decision || decided.get(key) === uid) return;
        decided.set(key, uid);
        if (!listed) return;
        // A bare kubectl patch of `decision` carries no route; the workflow records it as kubectl.
        m.approvals.inc({ decision, via: str(status.decidedVia) ?? 'kubectl' });
        const asked = created(rar);
        const at = time(status.decidedAt) ?? Date.now();
        if (asked !== undefined) m.approvalWait.observe({ decision }, Math.max(0, at - asked) / 1000);
      },
      onDelete: (rar) => void decided.delete(keyOf(rar)),
    },
    opts.log,
    opts.namespace,
  );

  const ready = Promise.all([rrInformer.ready, rarInformer.ready]).then(() => {
    listed = true;
  });
  return {
    ready,
    async stop() {
      phaseSources.delete(source);
      await Promise.all([rrInformer.stop(), rarInformer.stop()]);
    },
  };
}
