/**
 * What the randomized schedule test observes while a schedule runs, independently
 * of the worker: watches of RemediationRequests (phases and when each became
 * terminal — I1), WorkflowExecutions (when each started running and when it
 * ended, per target — I2) and approval requests (every decision each ever showed
 * — I3), and samples of the target-lock Leases against blocked RRs (I7).
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from '../../activities/kube-objects.js';
import { isTerminalPhase } from '../../lib/domain.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { watchKind } from '../../workers/informer.js';
import { stackInfo } from '../harness/index.js';

export interface RRRecord {
  uid: string;
  name: string;
  /** Every distinct phase seen, in order, with when (test clock). */
  phases: { phase: string; at: number }[];
  terminalAt?: number;
  deletedAt?: number;
  last: KubeObject;
}

export interface WERecord {
  uid: string;
  name: string;
  rrUid?: string;
  target: string;
  /**
   * Order of the watch events (one watch: the apiserver's order) and when. A watch
   * that breaks re-lists in name order, not time order; it says so on stderr
   * ("[chaos monitor] watch … interrupted"), and an I2 report right after one is
   * to be replayed before it is believed.
   */
  runningSeq?: number;
  runningAt?: number;
  endSeq?: number;
  endAt?: number;
  /** Completed, Failed, or deleted. */
  end?: string;
}

export interface DecisionFields {
  decision?: string;
  decidedBy?: string;
  decidedAt?: string;
  decisionMessage?: string;
}

export interface RARRecord {
  uid: string;
  name: string;
  rrUid?: string;
  /** The decision fields each time they changed, in order. */
  history: (DecisionFields & { at: number })[];
}

export interface LockSample {
  /** When the Lease list was read (before the RRs were). */
  at: number;
  lease: string;
  holder: string;
  holderUid: string;
  acquireTime: string;
  blockReason: string;
}

const ownerUid = (o: KubeObject) => o.metadata.ownerReferences?.[0]?.uid;
const DECISION_KEYS = ['decision', 'decidedBy', 'decidedAt', 'decisionMessage'] as const;

export class Monitor {
  readonly rrs = new Map<string, RRRecord>();
  readonly wes = new Map<string, WERecord>();
  readonly rars = new Map<string, RARRecord>();
  readonly lockSamples: LockSample[] = [];
  private seq = 0;
  private stops: (() => Promise<void>)[] = [];
  private sampling?: Promise<void>;
  private stopped = false;

  constructor(private readonly namespace: string) {}

  async start(): Promise<void> {
    const kc = loadKubeConfig(stackInfo().kubeconfigPath);
    const log = (m: string) => process.stderr.write(`[chaos monitor] ${m}\n`);
    const informers = [
      watchKind(
        kc,
        'remediationrequests',
        { onUpsert: (o) => this.onRR(o), onDelete: (o) => this.onRRGone(o) },
        log,
        this.namespace,
      ),
      watchKind(
        kc,
        'workflowexecutions',
        { onUpsert: (o) => this.onWE(o), onDelete: (o) => this.onWE(o, true) },
        log,
        this.namespace,
      ),
      watchKind(kc, 'remediationapprovalrequests', { onUpsert: (o) => this.onRAR(o) }, log, this.namespace),
    ];
    this.stops = informers.map((i) => () => i.stop());
    await Promise.all(informers.map((i) => i.ready));
    this.sampling = this.sampleLocks(kc);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sampling;
    for (const stop of this.stops) await stop();
  }

  /** The RR of this uid has been seen in `phase`, has ended, or is gone. */
  reached(uid: string, phase: string): boolean {
    const r = this.rrs.get(uid);
    if (!r) return false;
    if (r.deletedAt !== undefined || r.terminalAt !== undefined) return true;
    return r.phases.some((p) => p.phase === phase);
  }

  private onRR(o: KubeObject) {
    const uid = o.metadata.uid!;
    const phase = (o.status?.overallPhase as string | undefined) ?? '';
    const now = Date.now();
    let r = this.rrs.get(uid);
    if (!r) {
      r = { uid, name: o.metadata.name, phases: [], last: o };
      this.rrs.set(uid, r);
    }
    r.last = structuredClone(o);
    if (phase && r.phases.at(-1)?.phase !== phase) r.phases.push({ phase, at: now });
    if (isTerminalPhase(phase) && r.terminalAt === undefined) r.terminalAt = now;
  }

  private onRRGone(o: KubeObject) {
    const r = this.rrs.get(o.metadata.uid!);
    if (r && r.deletedAt === undefined) r.deletedAt = Date.now();
  }

  private onWE(o: KubeObject, deleted = false) {
    const uid = o.metadata.uid!;
    const seq = ++this.seq;
    const now = Date.now();
    let w = this.wes.get(uid);
    if (!w) {
      w = { uid, name: o.metadata.name, rrUid: ownerUid(o), target: String(o.spec?.targetResource ?? '') };
      this.wes.set(uid, w);
    }
    const phase = o.status?.phase as string | undefined;
    const execution = (o.status?.executionStatus as { status?: string } | undefined)?.status;
    // Started acting: seen Running — or already past it (a missed event) in a way only a started one can be.
    const ran =
      phase === 'Running' || phase === 'Completed' || ['Running', 'Stopping'].includes(execution ?? '');
    if (w.runningSeq === undefined && ran) {
      w.runningSeq = seq;
      w.runningAt = now;
    }
    // Over once its status says nothing it started runs: Completed, or Failed and not
    // still running or stopping (a cancel marks it Failed first; its controller then
    // confirms Stopped), or deleted.
    const stopped =
      phase === 'Completed' || (phase === 'Failed' && !['Running', 'Stopping'].includes(execution ?? ''));
    if (w.endSeq === undefined && (deleted || stopped)) {
      w.endSeq = seq;
      w.endAt = now;
      w.end = deleted ? 'deleted' : phase;
    }
  }

  private onRAR(o: KubeObject) {
    const uid = o.metadata.uid!;
    let r = this.rars.get(uid);
    if (!r) {
      r = { uid, name: o.metadata.name, rrUid: ownerUid(o), history: [] };
      this.rars.set(uid, r);
    }
    const s = (o.status ?? {}) as Record<string, unknown>;
    const fields: DecisionFields = {};
    for (const k of DECISION_KEYS) if (typeof s[k] === 'string' && s[k] !== '') fields[k] = s[k] as string;
    const prev = r.history.at(-1);
    const same = prev && DECISION_KEYS.every((k) => prev[k] === fields[k]);
    if (!same && (prev || fields.decision)) r.history.push({ ...fields, at: Date.now() });
  }

  /**
   * I7: every few hundred ms, the target-lock Leases, then the RRs; a Lease whose
   * holder is Blocked is kept as a sample, judged afterwards against when that
   * block began (checks.ts) — a holder that has just ended its wait and taken the
   * lock still shows Blocked until it enters Executing.
   */
  private async sampleLocks(kc: k8s.KubeConfig): Promise<void> {
    const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    while (!this.stopped) {
      try {
        const at = Date.now();
        const { items: leases } = await coordination.listNamespacedLease({
          namespace: this.namespace,
          labelSelector: 'kubernaut.ai/target-lock=true',
        });
        const held = leases.filter((l) => l.spec?.holderIdentity);
        if (held.length) {
          const { items } = (await custom.listNamespacedCustomObject({
            group: 'kubernaut.ai',
            version: 'v1alpha1',
            namespace: this.namespace,
            plural: 'remediationrequests',
          })) as { items: KubeObject[] };
          const byName = new Map(items.map((rr) => [rr.metadata.name, rr]));
          for (const l of held) {
            const rr = byName.get(l.spec!.holderIdentity!);
            if (rr?.status?.overallPhase !== 'Blocked') continue;
            const routing = (rr.status.routingStatus ?? {}) as { blockReason?: string };
            this.lockSamples.push({
              at,
              lease: l.metadata!.name!,
              holder: rr.metadata.name,
              holderUid: rr.metadata.uid!,
              acquireTime: new Date(l.spec!.acquireTime as unknown as string).toISOString(),
              blockReason: routing.blockReason ?? '',
            });
          }
        }
      } catch {
        // An apiserver hiccup loses one sample, not the run.
      }
      // The sampling period: a monitor's pace, not a wait for a condition.
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
