/**
 * status.deduplication (firstSeenAt, lastSeenAt, occurrenceCount), which the gateway
 * alone writes. Each write replaces /status under the resourceVersion of the RR it
 * was computed from, retrying on 409 with a fresh read: the workflow merge-patches
 * other status fields at any time and other replicas count too, and neither change
 * may be lost. The RR a write starts from is the one this process last wrote (or
 * created), when it has one: optimistic concurrency makes a stale copy a 409, never a
 * lost increment or a count on an RR that has become terminal, so the steady state is
 * one PUT per write and no read.
 *
 * Within one process, occurrences for the same RR that arrive while a write is in
 * flight are folded into the next write (+n), so a burst of identical alerts costs a
 * few writes rather than one conflict-retry loop per alert.
 */

import { isTerminalPhase } from '../domain.js';
import { statusOf } from '../kube/client.js';
import type { KubeObject } from '../kube/object.js';
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
  /** The RR as this write left it. */
  rr: KubeObject;
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
/** RRs whose last written state is remembered (the least recently written is forgotten first). */
const KNOWN_LIMIT = 1_000;
const laterOf = (a: string | undefined, b: string) => (a && Date.parse(a) > Date.parse(b) ? a : b);

export class DeduplicationRecorder {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<string>();
  /** The RR as this process last wrote or created it, by key: where the next write starts. */
  private readonly known = new Map<string, KubeObject>();

  constructor(private readonly store: RemediationRequestStore) {}

  /** Remembers an RR as just read or created, so the first count on it needs no read. */
  seed(rr: KubeObject) {
    this.remember(`${rr.metadata.namespace}/${rr.metadata.name}/${rr.metadata.uid}`, rr);
  }

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
          const { dedup, before, rr } = await this.increment(key, p, p.waiters.length);
          for (const [i, w] of p.waiters.entries()) w.resolve({ dedup, occurrence: before + i + 1, rr });
        } catch (err) {
          this.known.delete(key);
          for (const w of p.waiters) w.reject(err);
        }
      }
    } finally {
      this.running.delete(key);
    }
  }

  private async increment(
    key: string,
    p: Pending,
    n: number,
  ): Promise<{ dedup: Deduplication; before: number; rr: KubeObject }> {
    for (let attempt = 1; ; attempt++) {
      // First from the copy this process wrote last (a 409 if anyone changed it since), then fresh.
      const remembered = attempt === 1 ? this.known.get(key) : undefined;
      const rr = remembered ?? (await this.store.get(p.namespace, p.name));
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
        const written = await this.store.replaceStatus(next);
        this.remember(key, written);
        return { dedup, before, rr: written };
      } catch (err) {
        const code = statusOf(err);
        if (code === 404) throw new RemediationEndedError('gone');
        if (code !== 409 || attempt >= MAX_ATTEMPTS) throw err;
        this.known.delete(key);
        // A stale copy of ours: re-read at once. Someone else wrote in between: back off a little (jittered).
        if (!remembered) await new Promise((r) => setTimeout(r, Math.random() * Math.min(5 * attempt, 100)));
      }
    }
  }

  private remember(key: string, rr: KubeObject) {
    this.known.delete(key);
    this.known.set(key, rr);
    if (this.known.size > KNOWN_LIMIT) this.known.delete(this.known.keys().next().value!);
  }
}
