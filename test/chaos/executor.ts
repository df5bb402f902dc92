/**
 * Plays the WorkflowExecution controller for the randomized schedule test, keeping
 * its contract (workers/controllers/workflow-execution.ts):
 *  - claims each new execution (Pending → Running, a write conditioned on the
 *    version read) — or fails it, if its deadline (spec.timesOutAt) has passed;
 *  - lets it run for as long as its RR's plan says, then completes or fails it;
 *  - when someone else fails it first (the workflow giving up on it, the close-out,
 *    a deleted RR) while it runs, stops it — after the plan's stopping time — and
 *    records `executionStatus.status: Stopped`, which is what the remediation waits
 *    for before it lets the target lock go.
 * Executions of seconds, not milliseconds, so two on one target would overlap if
 * the target lock ever let them (I2).
 */
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { isConflict, isNotFound, loadKubeConfig } from '../../lib/kube/client.js';
import { watchKind } from '../../workers/informer.js';
import { stackInfo } from '../harness/index.js';

const PLURAL = 'workflowexecutions';

export interface ExecutionPlan {
  ms: number;
  fails: boolean;
  stopMs: number;
}

const executionOf = (o: KubeObject) => (o.status?.executionStatus as { status?: string } | undefined)?.status;
/** Failed from outside while it runs: the controller must stop it and say so. */
const mustStop = (o: KubeObject) =>
  o.status?.phase === 'Failed' && ['Running', 'Stopping'].includes(executionOf(o) ?? '');

export class Executor {
  private readonly objects = new KubeObjects(loadKubeConfig(stackInfo().kubeconfigPath));
  private readonly seen = new Set<string>();
  private readonly stopping = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopWatch?: () => Promise<void>;

  /** `planOf` answers for the owning RR's name; unknown RRs run one second. */
  constructor(
    private readonly namespace: string,
    private readonly planOf: (rrName: string) => ExecutionPlan | undefined,
  ) {}

  async start(): Promise<void> {
    const informer = watchKind(
      this.objects.kc,
      PLURAL,
      { onUpsert: (we) => void this.react(we).catch(() => {}) },
      () => {},
      this.namespace,
    );
    this.stopWatch = () => informer.stop();
    await informer.ready;
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    await this.stopWatch?.();
  }

  private plan(we: KubeObject): ExecutionPlan {
    const rr = (we.spec?.remediationRequestRef as { name?: string } | undefined)?.name ?? '';
    return this.planOf(rr) ?? { ms: 1_000, fails: false, stopMs: 0 };
  }

  private async react(we: KubeObject): Promise<void> {
    const uid = we.metadata.uid!;
    if (!we.status?.phase && !this.seen.has(uid)) {
      this.seen.add(uid);
      await this.claim(we.metadata.name, uid);
    } else if (mustStop(we) && !this.stopping.has(uid)) {
      this.stopping.add(uid);
      await this.halt(we.metadata.name, uid);
    }
  }

  private async claim(name: string, uid: string): Promise<void> {
    const we = await this.objects.get(PLURAL, this.namespace, name);
    if (!we || we.metadata.uid !== uid || we.status?.phase) return;
    const now = new Date().toISOString();
    const deadline = we.spec?.timesOutAt as string | undefined;
    const late = deadline !== undefined && Date.parse(deadline) <= Date.now();
    const written = await this.write(
      we,
      late
        ? {
            phase: 'Failed',
            startTime: now,
            completionTime: now,
            failureReason: `its deadline ${deadline} has passed`,
            executionStatus: { status: 'Failed', reason: 'DeadlineExceeded' },
          }
        : { phase: 'Running', startTime: now, executionStatus: { status: 'Running' } },
    );
    if (written !== true || late) return;
    const plan = this.plan(we);
    // The execution's own duration (the schedule's), not a wait for a condition.
    const timer = setTimeout(() => {
      this.timers.delete(uid);
      void this.finish(name, uid, now, plan.fails).catch(() => {});
    }, plan.ms);
    this.timers.set(uid, timer);
  }

  private async finish(name: string, uid: string, startTime: string, fails: boolean): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const we = await this.objects.get(PLURAL, this.namespace, name);
      if (!we || we.metadata.uid !== uid || we.status?.phase !== 'Running') return;
      const now = new Date().toISOString();
      const done = await this.write(
        we,
        fails
          ? {
              phase: 'Failed',
              completionTime: now,
              failureReason: 'the action failed (played by the chaos test)',
              executionStatus: { status: 'Failed', reason: 'TaskFailed' },
            }
          : {
              phase: 'Completed',
              completionTime: now,
              executionStatus: { status: 'Completed', message: 'done (played by the chaos test)' },
              change: { summary: `ran from ${startTime} to ${now}` },
            },
      );
      if (done !== 'conflict') return;
    }
  }

  /** Stops a cancelled execution: the action ends (its timer), then — after its stopping time — Stopped is recorded. */
  private async halt(name: string, uid: string): Promise<void> {
    const timer = this.timers.get(uid);
    if (timer) clearTimeout(timer);
    this.timers.delete(uid);
    const first = await this.objects.get(PLURAL, this.namespace, name);
    if (!first || first.metadata.uid !== uid) return;
    // The time a real action takes to stop (a Job's pods going away): the schedule's.
    await new Promise((r) => setTimeout(r, this.plan(first).stopMs));
    for (let attempt = 0; attempt < 10; attempt++) {
      const we = await this.objects.get(PLURAL, this.namespace, name);
      if (!we || we.metadata.uid !== uid || !mustStop(we)) return;
      const es = (we.status?.executionStatus ?? {}) as { reason?: string };
      const done = await this.write(we, {
        executionStatus: {
          status: 'Stopped',
          reason: es.reason ?? (we.status?.failureReason as string | undefined) ?? 'ExecutionCancelled',
          message: 'stopped (played by the chaos test)',
        },
      });
      if (done !== 'conflict') return;
    }
  }

  /** A status write conditioned on the version read: true, 'conflict', or false when gone. */
  private async write(we: KubeObject, status: Record<string, unknown>): Promise<boolean | 'conflict'> {
    try {
      await this.objects.mergeStatus(
        PLURAL,
        this.namespace,
        we.metadata.name,
        status,
        we.metadata.resourceVersion,
      );
      return true;
    } catch (err) {
      if (isConflict(err)) return 'conflict';
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
