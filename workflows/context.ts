/**
 * One remediation's working state inside the workflow: the live view, and the
 * steps every phase uses — enter a phase, write the RR status, audit, notify, wait
 * for a child, finish. Deterministic: time is workflow time, ids come from the
 * workflow id, run id and a sequence number.
 */
import { patched, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { RoutingRules } from '../activities/routing.js';
import type { Ladder } from '../lib/approval-ladder.js';
import type { AuditEventInput, AuditOutcome } from '../lib/audit/types.js';
import { crdOutcome, type RemediationOutcome, type RemediationPhase } from '../lib/domain.js';
import { type ChildKind, notificationName } from '../lib/kinds.js';
import type { RemediationRequestSpec, TargetResource } from '../lib/remediation-request.js';
import { targetDisplay } from '../lib/remediation-request.js';
import type { RemediationView } from '../lib/remediation-view.js';
import { acts, LOCAL_STEPS_PATCH, localActs, type StepActivities } from './activities.js';
import { waitForChild } from './child-wait.js';
import { type NotificationContent, notificationSpec, type Owner } from './children.js';
import { executionStopped } from './execution-stop.js';
import { refusalOf } from './refusal.js';
import { SA } from './search-attributes.js';
import { projectStatus } from './status-projection.js';

/** Histories from before a refused notification of an ending was tolerated (I1) failed the run there. */
const ENDING_NOTICE_REFUSED_PATCH = 'ending-notice-refused';

/** Before it, the RR status and the EA spec carried fields Kubernaut's CRDs prune (status.approval, two start times, spec.timesOutAt, …). */
export const KUBERNAUT_SHAPES_PATCH = 'kubernaut-valid-objects';

/** A decision proposed to an approval ladder, and what became of it. */
export interface LadderProposal {
  decision: 'Approved' | 'Rejected';
  decidedBy: string;
  /** The decider's groups, where known (the API's authenticated identity; a kubectl response's checked claim). */
  groups?: string[];
  reason?: string;
  via: 'update' | 'signal' | 'kubectl';
  authenticatedAs?: 'user' | 'service';
  /**
   * counted: an approval recorded, more needed; final: this decision is the final
   * one; refused: not allowed to decide (self-approval, not an approver, no rights);
   * ignored: did not count (a second approval, or another decision was final first).
   */
  verdict?: { kind: 'counted' | 'final' | 'refused' | 'ignored'; message: string };
}

export interface Settings {
  /**
   * The routing wait's safety re-check; and, in runs from before
   * `no-periodic-child-reread` only, the re-read of a child while waiting for its
   * watcher signal (child waits now wake on signals and their deadline alone).
   */
  safetyRecheckMs: number;
  stabilizationWindow: string;
  dryRun: boolean;
  /** Overrides of Kubernaut's routing defaults (cooldowns, thresholds). */
  routingRules?: Partial<RoutingRules>;
  /** How long a cancelled execution may take to be seen stopped before the RR ends keeping its lock. */
  executionStopGraceMs?: number;
}

export class Remediation {
  readonly owner: Owner;
  readonly view: RemediationView;
  /**
   * How the per-step activities run: local activities, or — for a workflow whose
   * history began before that change (patch marker absent) — ordinary ones.
   * Decided once, at the first workflow task, so a run never mixes the two.
   */
  readonly steps: StepActivities;
  /** Write only fields Kubernaut's CRDs declare (RR status: status-projection.ts; EA spec). */
  readonly kubernautShapes: boolean;
  /** The target's spec hash just before its execution was created (with kubernautShapes). */
  preRemediationSpecHash?: string;
  private auditSeq = 0;
  /** Bumped by the childStatusChanged signal; waits compare against it. */
  childSignals = 0;
  /** Bumped by the routingChanged signal. */
  routingSignals = 0;
  /** Notifications of an ending the apiserver refused for good ("<name>: <refusal>"), for its audit event. */
  readonly notificationsRefused: string[] = [];
  /** Set while this RR holds its target's lock (released on leaving Executing or on finish). */
  lockTarget?: TargetResource;
  /** The reason of the last routing block, for the BlockReason search attribute (routing.ts). */
  blockReason?: string;
  /** The WorkflowExecution this RR created, until nothing it started runs: the lock stays meanwhile (I2). */
  execution?: { name: string; targetNamespace?: string };
  /**
   * A decision taken by an update or signal, waiting to be recorded in the RAR
   * (workflows/approval.ts); dropped again if another decision was recorded first.
   */
  pendingDecision?: {
    decision: 'Approved' | 'Rejected';
    decidedBy: string;
    reason?: string;
    via: 'update' | 'signal';
    authenticatedAs?: 'user' | 'service';
  };
  /** The approval ladder of this remediation, once read (I10); undefined: one approver (I3). */
  ladder?: Ladder;
  /**
   * With a ladder: decisions from updates and signals, in arrival order, waiting to
   * be judged by the approval step (workflows/approval-ladder.ts), which sets each
   * one's verdict — what an update answers.
   */
  readonly proposals: LadderProposal[] = [];

  constructor(
    readonly spec: RemediationRequestSpec,
    owner: Owner,
    readonly settings: Settings,
  ) {
    this.owner = owner;
    this.steps = patched(LOCAL_STEPS_PATCH) ? localActs : acts;
    this.kubernautShapes = patched(KUBERNAUT_SHAPES_PATCH);
    const now = this.now();
    this.view = {
      namespace: owner.namespace,
      name: owner.name,
      phase: 'Pending',
      message: 'Remediation received',
      startTime: now,
      phaseStartTimes: { Pending: now },
      children: {},
      notifications: [],
      approval: { required: false },
      timeoutConfig: {},
      timeline: [{ phase: 'Pending', at: now }],
    };
  }

  now(): string {
    return new Date().toISOString();
  }

  async audit(
    type: string,
    outcome: AuditOutcome,
    data: Record<string, unknown>,
    extra: Partial<AuditEventInput> = {},
  ): Promise<void> {
    const [service, , action] = type.split('.');
    const category = CATEGORY[service!] ?? 'orchestration';
    const info = workflowInfo();
    await this.steps.recordAuditEvent({
      workflowId: info.workflowId,
      runId: info.runId,
      seq: ++this.auditSeq,
      event: {
        version: '1.0',
        event_type: type,
        event_timestamp: this.now(),
        event_category: category,
        event_action: action ?? 'unknown',
        event_outcome: outcome,
        actor_type: 'service',
        actor_id: 'remediation-orchestrator',
        resource_type: 'RemediationRequest',
        resource_id: this.owner.name,
        correlation_id: this.owner.name,
        namespace: this.owner.namespace,
        ...(this.spec.clusterID ? { cluster_id: this.spec.clusterID } : {}),
        severity: this.spec.severity,
        event_data: {
          event_type: type,
          rr_name: this.owner.name,
          rr_namespace: this.owner.namespace,
          ...data,
        },
        ...extra,
      },
    });
  }

  /** Moves to a phase: status, search attributes, UI details, audit. */
  async enter(phase: RemediationPhase, message: string): Promise<void> {
    const from = this.view.phase;
    const at = this.now();
    this.view.phase = phase;
    this.view.message = message;
    this.view.phaseStartTimes[phase] = at;
    this.view.timeline.push({ phase, at, message });
    await Promise.all([
      this.writeStatus(),
      this.audit('orchestrator.lifecycle.transitioned', 'success', {
        from_phase: from,
        to_phase: phase,
        message,
        phase_start_time: at,
        // What reconstruction needs to rebuild status.phaseProgress and the refs.
        child_refs: Object.fromEntries(Object.entries(this.view.children).map(([k, c]) => [k, c!.name])),
        notification_refs: this.view.notifications.map((n) => n.name),
        // Routing as of this phase: a block that has cleared shows here as fields gone.
        ...(this.view.routing ? { routing_status: this.view.routing } : {}),
      }),
    ]);
  }

  async writeStatus(): Promise<void> {
    this.publish();
    await this.steps.writeRemediationStatus({
      namespace: this.owner.namespace,
      name: this.owner.name,
      uid: this.owner.uid,
      status: projectStatus(this.view, this.spec, { forPatch: true, kubernaut: this.kubernautShapes }),
    });
  }

  /** Search attributes and the Web UI's details line. */
  publish(): void {
    upsertSearchAttributes([
      { key: SA.phase, value: this.view.phase },
      { key: SA.signalName, value: this.spec.signalName },
      { key: SA.severity, value: this.spec.severity },
      { key: SA.target, value: targetDisplay(this.spec.targetResource) },
      { key: SA.fingerprint, value: this.spec.signalFingerprint },
      ...(this.view.outcome ? [{ key: SA.outcome, value: this.view.outcome }] : []),
      ...(this.blockReason ? [{ key: SA.blockReason, value: this.blockReason }] : []),
      {
        key: SA.approval,
        value:
          this.view.approval.decision ??
          (this.view.phase === 'AwaitingApproval'
            ? 'Pending'
            : this.view.approval.required
              ? 'Required'
              : 'NotRequired'),
      },
    ]);
    setCurrentDetails(
      `**${this.view.phase}** — ${this.view.message}\n\n${this.spec.signalName} (${this.spec.severity}) on ${targetDisplay(this.spec.targetResource)}`,
    );
  }

  /** Creates a NotificationRequest once per type (deterministic name). */
  /**
   * Creates the notification `nr-<slug>-<rr>` (deterministic: a retry never sends
   * twice). One that goes with an ending (`ending`) and is refused for good does not
   * keep the RR from ending (I1, docs/invariants.md): the refusal is kept for the
   * ending's audit event instead. Histories from before the patch failed the run there.
   */
  async notify(slug: string, content: NotificationContent, opts: { ending?: boolean } = {}): Promise<void> {
    const name = notificationName(slug, this.owner.name);
    try {
      await this.steps.ensureChild({
        kind: 'NotificationRequest',
        namespace: this.owner.namespace,
        name,
        owner: { name: this.owner.name, uid: this.owner.uid },
        spec: notificationSpec(this.owner, this.spec, this.view.phase, content),
      });
    } catch (err) {
      const refusal = refusalOf(err);
      if (!opts.ending || !refusal || !patched(ENDING_NOTICE_REFUSED_PATCH)) throw err;
      this.notificationsRefused.push(`${name}: ${refusal}`);
      return;
    }
    if (!this.view.notifications.some((n) => n.name === name))
      this.view.notifications.push({ kind: 'NotificationRequest', name });
  }

  async createChild(
    kind: Exclude<ChildKind, 'NotificationRequest'>,
    name: string,
    spec: Record<string, unknown>,
  ) {
    await this.steps.ensureChild({
      kind,
      namespace: this.owner.namespace,
      name,
      owner: { name: this.owner.name, uid: this.owner.uid },
      spec,
    });
    this.view.children[kind] = { kind, name };
  }

  /** Waits for a child's controller: watcher signals and the deadline wake it (child-wait.ts). */
  waitForChild(
    kind: ChildKind,
    name: string,
    done: (status: Record<string, unknown>) => boolean,
    deadline: number,
    orWhen?: () => boolean,
  ): Promise<ChildSnapshot | 'timeout' | 'interrupted'> {
    return waitForChild(this, kind, name, done, deadline, orWhen);
  }

  async releaseLock(): Promise<void> {
    if (!this.lockTarget) return;
    if (!(await executionStopped(this))) return; // kept, for the next taker to find stale (I2)
    await this.steps.releaseTargetLock({
      namespace: this.owner.namespace,
      name: this.owner.name,
      target: this.lockTarget,
    });
    this.lockTarget = undefined;
  }

  /** Ends the remediation in a terminal phase and records why. */
  async finish(
    phase: 'Completed' | 'Failed' | 'TimedOut' | 'Skipped' | 'Cancelled',
    details: {
      message: string;
      outcome?: RemediationOutcome;
      failurePhase?: string;
      failureReason?: string;
      timeoutPhase?: RemediationPhase;
    },
  ): Promise<RemediationView> {
    await this.releaseLock();
    const from = this.view.phase;
    Object.assign(this.view, {
      outcome: details.outcome,
      failurePhase: details.failurePhase,
      failureReason: details.failureReason,
      timeoutPhase: details.timeoutPhase,
      ...(details.timeoutPhase ? { timeoutTime: this.now() } : {}),
    });
    this.view.completedAt = this.now();
    await this.enter(phase, details.message);
    const durationMs = Date.parse(this.view.completedAt) - Date.parse(this.view.startTime);
    const data = {
      from_phase: from,
      final_phase: phase,
      outcome: details.outcome,
      // Shadow is no CRD outcome: a reconstruction takes the RR's from here (I12).
      ...(details.outcome === 'Shadow' ? { crd_outcome: crdOutcome(details.outcome) } : {}),
      failure_phase: details.failurePhase,
      failure_reason: details.failureReason,
      timeout_phase: details.timeoutPhase,
      timeout_time: this.view.timeoutTime,
      completed_at: this.view.completedAt,
      message: details.message,
      // The RR status as the workflow wrote it last: a reconstruction of a finished
      // remediation can be checked against it field by field.
      rr_status: projectStatus(this.view, this.spec),
      ...(this.notificationsRefused.length > 0
        ? { notifications_refused: [...this.notificationsRefused] }
        : {}),
    };
    if (phase === 'Completed') {
      await this.audit('orchestrator.lifecycle.completed', 'success', data, { duration_ms: durationMs });
    } else {
      await this.audit('orchestrator.lifecycle.failed', 'failure', data, {
        duration_ms: durationMs,
        error_code:
          phase === 'TimedOut'
            ? 'Timeout'
            : phase === 'Cancelled'
              ? 'Cancelled'
              : (details.failurePhase ?? 'Failed'),
        error_message: details.failureReason ?? details.message,
      });
    }
    return this.view;
  }
}

const CATEGORY: Record<string, string> = {
  orchestrator: 'orchestration',
  gateway: 'gateway',
  signalprocessing: 'signalprocessing',
  aianalysis: 'analysis',
  workflowexecution: 'workflowexecution',
  notification: 'notification',
  effectiveness: 'effectiveness',
};
