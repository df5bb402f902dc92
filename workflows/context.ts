/**
 * One remediation's working state inside the workflow: the live view, and the
 * steps every phase uses — enter a phase, write the RR status, audit, notify, wait
 * for a child, finish. Deterministic: time is workflow time, ids come from the
 * workflow id, run id and a sequence number. The class holds the state; the
 * bodies of the longer steps live in their own files (audit-event.ts,
 * status-publication.ts, child-creation.ts, child-wait.ts, execution-stop.ts,
 * finish.ts), each taking the Remediation.
 */
import { patched } from '@temporalio/workflow';
import type { ChildSnapshot } from '../activities/remediation.js';
import type { RoutingRules } from '../activities/routing.js';
import type { Ladder } from '../lib/approval-ladder.js';
import type { AuditEventInput, AuditOutcome } from '../lib/audit/types.js';
import type { RemediationPhase } from '../lib/domain.js';
import type { ChildKind } from '../lib/kinds.js';
import type { RemediationRequestSpec, TargetResource } from '../lib/remediation-request.js';
import type { RemediationView } from '../lib/remediation-view.js';
import {
  acts,
  LOCAL_STEPS_PATCH,
  localActs,
  STEPS_RUN_TO_END_PATCH,
  type StepActivities,
  stepsToEnd,
} from './activities.js';
import { recordAudit } from './audit-event.js';
import { createChild, notify } from './child-creation.js';
import { waitForChild } from './child-wait.js';
import type { NotificationContent, Owner } from './children.js';
import { releaseLock } from './execution-stop.js';
import { type FinalPhase, type FinishDetails, finish } from './finish.js';
import { writeStatus } from './status-publication.js';

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
    this.steps = !patched(LOCAL_STEPS_PATCH)
      ? acts
      : patched(STEPS_RUN_TO_END_PATCH)
        ? stepsToEnd
        : localActs;
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

  /** Records an audit event, numbered in this run's sequence (audit-event.ts). */
  audit(
    type: string,
    outcome: AuditOutcome,
    data: Record<string, unknown>,
    extra: Partial<AuditEventInput> = {},
  ): Promise<void> {
    return recordAudit(this, ++this.auditSeq, type, outcome, data, extra);
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

  /** Writes the RR status and publishes the view (status-publication.ts). */
  writeStatus(): Promise<void> {
    return writeStatus(this);
  }

  /** Creates a NotificationRequest once per type (deterministic name; child-creation.ts). */
  notify(slug: string, content: NotificationContent, opts: { ending?: boolean } = {}): Promise<void> {
    return notify(this, slug, content, opts);
  }

  /** Creates a child resource owned by the RR and records it in the view (child-creation.ts). */
  createChild(kind: Exclude<ChildKind, 'NotificationRequest'>, name: string, spec: Record<string, unknown>) {
    return createChild(this, kind, name, spec);
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

  /** Releases the target lock once nothing the execution started runs (execution-stop.ts, I2). */
  releaseLock(): Promise<void> {
    return releaseLock(this);
  }

  /** Ends the remediation in a terminal phase and records why (finish.ts). */
  finish(phase: FinalPhase, details: FinishDetails): Promise<RemediationView> {
    return finish(this, phase, details);
  }
}
