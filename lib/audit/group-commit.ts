/**
 * Group commit for small writes: the calls that arrive while earlier ones are in
 * PostgreSQL are written together, as one batch through the one writer, and each
 * caller is answered when that batch has committed — its rows durable, as when it
 * wrote alone. A write costs PostgreSQL about 1.1 ms of CPU on its own (an advisory
 * lock, two lookups, the insert and its queue row, the commit: docs/performance.md
 * note 8); in a batch, most of that is shared.
 *
 * Nothing waits for a window: a call that finds fewer than `maxInFlight` batches in
 * PostgreSQL goes at once, alone or with whatever is queued. Calls queue only while
 * that many are in flight, so grouping grows with the load and adds no latency
 * without it.
 *
 * Each caller gets the answer it would have had alone:
 * - a batch is all-or-nothing (lib/audit/writer.ts), so when a grouped batch fails
 *   (an id stored with other content, a row PostgreSQL refuses) nothing of it is
 *   stored, and each of its calls is written again on its own — the one at fault
 *   gets its own error, the others their rows. The writer is idempotent by content,
 *   so writing again is safe whatever happened before;
 * - the process dying mid-batch is the same as for a write alone: the batch either
 *   committed (every caller's rows are stored; a caller that retries hears "already
 *   stored") or did not (nothing is; the retry stores it);
 * - a group never holds one event id twice, and only calls whose events are
 *   distinct join a group, so the batch's duplicate ids are, for each caller,
 *   exactly its events stored before: `inserted` is the rest.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventInput, AuditWriteResult, AuditWriter } from './types.js';

export interface GroupCommitOptions {
  /** Batches in PostgreSQL at once; calls beyond queue and go in the next batch (default 2). */
  maxInFlight?: number;
  /** Events in one grouped batch at most (default 500). */
  maxEvents?: number;
  /** Calls with more events than this are written on their own (default 10). */
  maxCallEvents?: number;
}

interface Call {
  events: AuditEventInput[];
  ids: string[];
  resolve(r: AuditWriteResult): void;
  reject(err: unknown): void;
}

export function groupCommits(writer: AuditWriter, opts: GroupCommitOptions = {}): AuditWriter {
  const maxInFlight = opts.maxInFlight ?? 2;
  const maxEvents = opts.maxEvents ?? 500;
  const maxCallEvents = opts.maxCallEvents ?? 10;
  const queue: Call[] = [];
  let inFlight = 0;

  /** Written alone: the writer's own answer or error. */
  const alone = (c: Call) => writer.write(c.events).then(c.resolve, c.reject);

  /** Takes the calls that fit one batch: no id twice, at most maxEvents. */
  function take(): Call[] {
    const group: Call[] = [];
    const ids = new Set<string>();
    let events = 0;
    for (let i = 0; i < queue.length; ) {
      const c = queue[i]!;
      const fits = events + c.events.length <= maxEvents && c.ids.every((id) => !ids.has(id));
      if (!fits) {
        if (events + c.events.length > maxEvents) break;
        i++; // an id already in this batch: the call waits for the next one
        continue;
      }
      queue.splice(i, 1);
      group.push(c);
      events += c.events.length;
      for (const id of c.ids) ids.add(id);
    }
    return group;
  }

  async function flush(group: Call[]): Promise<void> {
    if (group.length === 1) return alone(group[0]!);
    let result: AuditWriteResult;
    try {
      result = await writer.write(group.flatMap((c) => c.events));
    } catch {
      // Nothing of the batch is stored: each call on its own gets its own outcome.
      await Promise.all(group.map(alone));
      return;
    }
    const duplicates = new Set(result.duplicate_event_ids);
    let at = 0;
    for (const c of group) {
      const event_ids = result.event_ids.slice(at, at + c.events.length);
      at += c.events.length;
      const dup = [...new Set(event_ids)].filter((id) => duplicates.has(id));
      c.resolve({ event_ids, inserted: c.events.length - dup.length, duplicate_event_ids: dup });
    }
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const group = take();
      if (group.length === 0) break;
      inFlight++;
      void flush(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return {
    write(input: AuditEventInput[]): Promise<AuditWriteResult> {
      // An event without an id gets a random one, here rather than in the writer (rows.ts).
      const events = input.map((e) => (e.event_id ? e : { ...e, event_id: randomUUID() }));
      const ids = events.map((e) => e.event_id!.toLowerCase());
      // Large batches, or an id repeated in the call: on their own, as before.
      if (events.length > maxCallEvents || new Set(ids).size !== ids.length) return writer.write(events);
      return new Promise((resolve, reject) => {
        queue.push({ events, ids, resolve, reject });
        pump();
      });
    },
  };
}
