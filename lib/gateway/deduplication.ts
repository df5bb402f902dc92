/**
 * status.deduplication (firstSeenAt, lastSeenAt, occurrenceCount), which the gateway
 * alone writes. Each write reads the RR fresh and replaces /status under its
 * resourceVersion, retrying on 409: the workflow merge-patches other status fields at
 * any time and other replicas count too, and neither change may be lost.
 *
 * Within one process, occurrences for the same RR that arrive while a write is in
 * flight are folded into the next write (+n), so a burst of identical alerts costs a
 * few writes rather than one conflict-retry loop per alert.
 */
import type { KubeObject } from '../../activities/kube-objects.js';
import { isTerminalPhase } from '../domain.js';
import { statusOf } from '../kube/client.js';
import type { RemediationRequestStore } from './rr-store.js';

export interface Deduplication {
  firstSeenAt: string;
  lastSeenAt: string;
  occurrenceCount: number;
}

/** The RR ended or vanished before the occurrence could be counted on it. */
export class RemediationEndedError extends Error {
  constructor(readonly why: 'terminal' | 'gone') {
    super(`the RemediationRequest is ${why}`);
  }
}

export interface RecordedOccurrence {
  dedup: Deduplication;
  /** This occurrence's number (1 = the one that created the RR). */
  occurrence: number;
}

interface Waiter {
  resolve: (r: RecordedOccurrence) => void;
  reject: (e: unknown) => void;
}
interface Pending {
  namespace: string;
  name: string;
  uid: string;
  lastSeenAt: string;
  waiters: Waiter[];
}

const MAX_ATTEMPTS = 50;
const laterOf = (a: string | undefined, b: string) => (a && Date.parse(a) > Date.parse(b) ? a : b);

export class DeduplicationRecorder {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<string>();

  constructor(private readonly store: RemediationRequestStore) {}

  /** Counts one occurrence on the RR with this uid, seen at `seenAt` (RFC 3339). */
  record(namespace: string, name: string, uid: string, seenAt: string): Promise<RecordedOccurrence> {
    const key = `${namespace}/${name}/${uid}`;
    return new Promise((resolve, reject) => {
      const p = this.pending.get(key) ?? { namespace, name, uid, lastSeenAt: seenAt, waiters: [] };
      p.lastSeenAt = laterOf(p.lastSeenAt, seenAt);
      p.waiters.push({ resolve, reject });
      this.pending.set(key, p);
      if (!this.running.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string) {
    this.running.add(key);
    try {
      for (let p = this.pending.get(key); p; p = this.pending.get(key)) {
        this.pending.delete(key);
        try {
          const { dedup, before } = await this.increment(p, p.waiters.length);
          for (const [i, w] of p.waiters.entries()) w.resolve({ dedup, occurrence: before + i + 1 });
        } catch (err) {
          for (const w of p.waiters) w.reject(err);
        }
      }
    } finally {
      this.running.delete(key);
    }
  }

  private async increment(p: Pending, n: number): Promise<{ dedup: Deduplication; before: number }> {
    for (let attempt = 1; ; attempt++) {
      const rr = await this.store.get(p.namespace, p.name);
      if (!rr || rr.metadata.uid !== p.uid) throw new RemediationEndedError('gone');
      if (isTerminalPhase(rr.status?.overallPhase as string | undefined)) {
        throw new RemediationEndedError('terminal');
      }
      const prev = rr.status?.deduplication as Partial<Deduplication> | undefined;
      const before = prev?.occurrenceCount ?? 0;
      const dedup: Deduplication = {
        // The RR's own receivedTime is when it was first seen, whichever write lands first.
        firstSeenAt: prev?.firstSeenAt ?? String(rr.spec?.receivedTime ?? p.lastSeenAt),
        lastSeenAt: laterOf(prev?.lastSeenAt, p.lastSeenAt),
        occurrenceCount: before + n,
      };
      const next: KubeObject = { ...rr, status: { ...rr.status, deduplication: dedup } };
      try {
        await this.store.replaceStatus(next);
        return { dedup, before };
      } catch (err) {
        if (statusOf(err) !== 409 || attempt >= MAX_ATTEMPTS) throw err;
        // Someone else wrote in between: back off a little (jittered) and re-read.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(5 * attempt, 100)));
      }
    }
  }
}
