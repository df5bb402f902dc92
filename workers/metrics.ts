/**
 * The worker's Prometheus metrics (prom-client), served at GET /metrics on its
 * health port (health-server.ts) and documented in docs/metrics.md, which the
 * alert rules (deploy/prometheus) and the dashboard (deploy/grafana) are checked
 * against. Nothing here runs in workflow code: remediation figures come from the
 * RR and RAR status the workflow writes (remediation-metrics.ts), the rest from the
 * reconciler, the controllers' reconcile loop and the informers.
 *
 * One registry per process, like prom-client's default, because the informers and
 * the reconcile loop are shared by every part of the worker; several runtimes in one
 * process (tests) add to the same counters, and the phase gauges sum their trackers.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { categoryOf } from '../activities/error-categories.js';
import type { Readiness } from '../lib/health/readiness.js';

export const workerRegistry = new Registry();
collectDefaultMetrics({ register: workerRegistry });

const registers = [workerRegistry];
/** Seconds to hours: phases last from seconds (fast controllers) to the 1 h global timeout. */
const PHASE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Each tracker (one per runtime) answers for the RRs its informer sees. */
export interface PhaseSource {
  countsByPhase(): Map<string, number>;
  stuckByPhase(now: number): Map<string, number>;
}
export const phaseSources = new Set<PhaseSource>();

const sumSources = (pick: (s: PhaseSource) => Map<string, number>) => {
  const total = new Map<string, number>();
  for (const s of phaseSources) for (const [k, v] of pick(s)) total.set(k, (total.get(k) ?? 0) + v);
  return total;
};

export const workerMetrics = {
  remediations: new Gauge({
    name: 'kubernaut_remediations',
    help: 'RemediationRequests that exist now, by status.overallPhase',
    labelNames: ['phase'],
    registers,
    collect() {
      this.reset();
      for (const [phase, n] of sumSources((s) => s.countsByPhase())) this.set({ phase }, n);
    },
  }),
  stuck: new Gauge({
    name: 'kubernaut_remediations_stuck',
    help: 'Non-terminal RemediationRequests in their phase for longer than its timeout',
    labelNames: ['phase'],
    registers,
    collect() {
      this.reset();
      for (const [phase, n] of sumSources((s) => s.stuckByPhase(Date.now()))) this.set({ phase }, n);
    },
  }),
  finished: new Counter({
    name: 'kubernaut_remediations_finished_total',
    help: 'RemediationRequests that reached a terminal phase, by phase and outcome',
    labelNames: ['phase', 'outcome'],
    registers,
  }),
  phaseDuration: new Histogram({
    name: 'kubernaut_remediation_phase_duration_seconds',
    help: 'Time spent in each phase, observed when the RR leaves it',
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS,
    registers,
  }),
  duration: new Histogram({
    name: 'kubernaut_remediation_duration_seconds',
    help: 'Time from an RR start to its terminal phase, by that phase',
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS,
    registers,
  }),
  approvalWait: new Histogram({
    name: 'kubernaut_approval_wait_seconds',
    help: 'Time from a RemediationApprovalRequest being created to its decision, by decision',
    labelNames: ['decision'],
    buckets: PHASE_BUCKETS,
    registers,
  }),
  approvals: new Counter({
    name: 'kubernaut_approval_decisions_total',
    help: 'Approval decisions recorded, by decision and the route it came by (status.decidedVia)',
    labelNames: ['decision', 'via'],
    registers,
  }),
  routingBlocks: new Counter({
    name: 'kubernaut_routing_blocks_total',
    help: 'RemediationRequests blocked by routing, by status.routingStatus.blockReason',
    labelNames: ['reason'],
    registers,
  }),
  closeOuts: new Counter({
    name: 'kubernaut_reconciler_close_outs_total',
    help: 'RRs whose workflow run closed without finishing them, closed out by the reconciler, by reason',
    labelNames: ['reason'],
    registers,
  }),
  launcherStarts: new Counter({
    name: 'kubernaut_launcher_starts_total',
    help: 'Workflow starts the launcher asked Temporal for, by outcome (running, finished, refused, error)',
    labelNames: ['outcome'],
    registers,
  }),
  orphanCancels: new Counter({
    name: 'kubernaut_reconciler_orphan_cancels_total',
    help: 'Running workflows cancelled by the reconciler because their RR is gone',
    registers,
  }),
  reconcilePasses: new Counter({
    name: 'kubernaut_reconciler_passes_total',
    help: 'Reconciler passes completed, by kind (full: every RR and run; changes: what the launcher queued and the runs closed since)',
    labelNames: ['kind'],
    registers,
  }),
  reconcileErrors: new Counter({
    name: 'kubernaut_controller_reconcile_errors_total',
    help: "Built-in controller reconcile errors, by controller and Kubernaut's error category (A-F)",
    labelNames: ['controller', 'category'],
    registers,
  }),
  conflicts: new Counter({
    name: 'kubernaut_status_update_conflicts_total',
    help: 'Writes refused with 409 Conflict (Category E) and retried on a fresh read, by writer',
    labelNames: ['writer'],
    registers,
  }),
  watchRestarts: new Counter({
    name: 'kubernaut_watch_restarts_total',
    help: 'Watches interrupted and restarted (Category D), by resource plural',
    labelNames: ['resource'],
    registers,
  }),
  memoryCollections: new Counter({
    name: 'kubernaut_worker_memory_collections_total',
    help: 'Full garbage collections the worker ran because its resident memory grew (collect-when-grown.ts)',
    registers,
  }),
  resyncSignals: new Counter({
    name: 'kubernaut_watch_resync_signals_total',
    help: 'Child status changes the watch had not delivered to their workflow, signalled by the resync, by resource plural',
    labelNames: ['resource'],
    registers,
  }),
  ready: new Gauge({
    name: 'kubernaut_worker_ready',
    help: 'Readiness of the worker and each dependency it checks (1 ok, 0 failing), as /readyz reports',
    labelNames: ['check'],
    registers,
    // Checked at scrape time, as a probe would: a stored value could say "ready" for a dead link.
    async collect() {
      this.reset();
      if (!readinessSource) return;
      const r = await readinessSource().catch(() => undefined);
      if (!r) return this.set({ check: 'all' }, 0);
      this.set({ check: 'all' }, r.ready ? 1 : 0);
      for (const [check, c] of Object.entries(r.checks)) this.set({ check }, c.status === 'ok' ? 1 : 0);
    },
  }),
};

let readinessSource: (() => Promise<Readiness>) | undefined;
/** The runtime whose readiness kubernaut_worker_ready reports (the latest started). */
export function reportReadiness(source: (() => Promise<Readiness>) | undefined): void {
  readinessSource = source;
}

/** A reconcile error counted under its category (409s are counted as conflicts too). */
export function countReconcileError(controller: string, err: unknown): void {
  const category = categoryOf(err);
  workerMetrics.reconcileErrors.inc({ controller, category });
  if (category === 'E') workerMetrics.conflicts.inc({ writer: controller });
}
