/**
 * The gateway's audit writes, grouped: events handed in while a write is in flight
 * go out together in the next one, so a burst of signals costs a few writer calls
 * (each one transaction) rather than one per signal, and events of one RR queue here
 * instead of on its chain lock.
 *
 * Nothing is deferred: every caller waits until its own events are stored, so a
 * response never precedes its audit rows. Order is kept (a caller's events stay
 * together and in order, callers in arrival order). Event ids are deterministic and
 * the writer idempotent, so when a grouped write fails each caller's events are
 * written again on their own: one caller's bad event fails that caller only.
 */
import type { AuditEventInput, AuditWriter } from '../audit/types.js';
import { stampTraceId } from '../tracing/audit.js';

interface Entry {
  events: AuditEventInput[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Events per writer call, at most (a single caller's larger set goes alone). */
const MAX_EVENTS = 200;

export class AuditBatcher {
  private queue: Entry[] = [];
  private running = false;

  constructor(private readonly writer: AuditWriter) {}

  write(events: AuditEventInput[]): Promise<void> {
    return new Promise((resolve, reject) => {
      // Stamped here, in the caller's request: the grouped write runs in whichever came first.
      this.queue.push({ events: stampTraceId(events), resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain() {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let size = 0;
        while (n < this.queue.length && (n === 0 || size + this.queue[n]!.events.length <= MAX_EVENTS)) {
          size += this.queue[n]!.events.length;
          n++;
        }
        await this.flush(this.queue.splice(0, n));
      }
    } finally {
      this.running = false;
    }
  }

  private async flush(group: Entry[]) {
    try {
      await this.writer.write(group.flatMap((e) => e.events));
      for (const e of group) e.resolve();
      return;
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
    }
    await Promise.all(
      group.map((e) =>
        this.writer.write(e.events).then(
          () => e.resolve(),
          (err) => e.reject(err),
        ),
      ),
    );
  }
}
