/**
 * The one audit writer: the API, the gateway and the workflow activities all store
 * audit events through `createAuditWriter(pool).write(events)`.
 *
 * Guarantees, per call:
 * - all-or-nothing: the whole batch is one transaction;
 * - idempotent by content (lib/audit/idempotency.ts): an event whose event_id is
 *   already stored with the same content is skipped and keeps its chain link (checked
 *   under the lock, before anything is inserted, so a replay never advances the
 *   chain); duplicates inside one batch count once; an id stored, or repeated in the
 *   batch, with other content fails the whole batch with AuditConflictError and
 *   stores nothing, so a different event is never reported stored;
 * - one chain per correlation_id: links are checked or read under
 *   pg_advisory_xact_lock(hashtext(correlation_id)), so concurrent writers queue
 *   instead of forking the chain;
 * - one multi-row INSERT per batch, not a round trip per row, which also queues the
 *   batch for the audit log as one row (lib/audit/log-sequencer.ts, migrations/0012);
 * - an event dated outside every partition makes the partition
 *   (audit_ensure_partition) and the batch is retried.
 *
 * Two paths, same guarantees:
 * - fast (one round trip): the writer links the batch against the chain heads it
 *   expects — the ones it wrote last, kept in a bounded cache, or "no link yet" for a
 *   correlation it has not seen — and `audit_append` (migrations/0004) checks those
 *   heads and the ids under the locks and inserts in the same call. When another
 *   writer moved a chain, or an id is stored already, the call inserts nothing and
 *   answers the actual heads and stored ids; the writer re-links and tries once more.
 * - locked (after that): BEGIN, the locks, one lookup of ids and heads, the INSERT,
 *   COMMIT — it cannot be outrun, so a batch contended on every try still lands.
 */
import type pg from 'pg';
import {
  type AuditRow,
  algorithmFor,
  canonicalCore,
  GENESIS_HASH,
  type HashAlgorithm,
  linkHash,
} from './hash.js';
import { AuditConflictError, checkStoredContent, dedupeBatch } from './idempotency.js';
import { leafHashOf } from './log-entry.js';
import { toRow } from './rows.js';
import type { AuditEventInput, AuditWriteResult, AuditWriter } from './types.js';
import { APPEND_SQL, INSERT_SQL, LOOKUP_SQL } from './writer-sql.js';

export interface AuditWriterOptions {
  /** When set, links are HMAC-SHA256 with this key instead of plain SHA-256. */
  hmacKey?: string;
  /** Called with the number of rows inserted by each committed batch (metrics). */
  onWritten?: (inserted: number) => void;
  /** Chain heads remembered for the fast path (default 10,000 correlations). */
  headCacheSize?: number;
  /** Fast-path calls per attempt before the locked path (default 2; 0: locked path only). */
  fastRounds?: number;
}

const MISSING_PARTITION = '23514';
// Deadlock (hashtext collision), serialization, and a unique violation: an id stored
// by a concurrent batch of another correlation; the retry finds it stored.
const RETRYABLE = new Set(['40P01', '40001', '23505']);
const MAX_ATTEMPTS = 4;

interface PgError extends Error {
  code?: string;
}

type PendingRow = Omit<AuditRow, 'chain_position'>;

/** A correlation's newest link. */
interface Head {
  position: number;
  hash: string;
}

/** The batch linked against `headOf`: rows to insert, the heads it expected and the heads it leaves. */
interface Linked {
  toInsert: Record<string, unknown>[];
  ids: string[];
  /** Log leaf hashes, parallel to ids. */
  leaves: Buffer[];
  expected: Map<string, Head | undefined>;
  after: Map<string, Head>;
}

function link(
  rows: PendingRow[],
  stored: Set<string>,
  headOf: (correlationId: string) => Head | undefined,
  algorithm: HashAlgorithm,
  hmacKey: string | undefined,
): Linked {
  const out: Linked = { toInsert: [], ids: [], leaves: [], expected: new Map(), after: new Map() };
  for (const r of rows) {
    if (stored.has(r.event_id)) continue;
    if (!out.expected.has(r.correlation_id)) out.expected.set(r.correlation_id, headOf(r.correlation_id));
    const prev = out.after.get(r.correlation_id) ?? out.expected.get(r.correlation_id);
    const row: AuditRow = { ...r, chain_position: prev ? prev.position + 1 : 1 };
    const previous = prev?.hash ?? GENESIS_HASH;
    const core = canonicalCore(row);
    const hash = linkHash(previous, core, algorithm, hmacKey);
    out.toInsert.push({ ...row, event_hash: hash, previous_event_hash: previous, hash_algorithm: algorithm });
    out.ids.push(r.event_id);
    // The log leaf, from the same canonical bytes, before the database holds the row.
    out.leaves.push(leafHashOf(core, hash, previous, algorithm));
    out.after.set(r.correlation_id, { position: row.chain_position, hash });
  }
  return out;
}

/** Remembers the newest heads, forgetting the least recently written past `max`. */
class HeadCache {
  private readonly heads = new Map<string, Head>();
  constructor(private readonly max: number) {}
  get(correlationId: string): Head | undefined {
    return this.heads.get(correlationId);
  }
  set(correlationId: string, head: Head | undefined) {
    this.heads.delete(correlationId);
    if (!head || this.max <= 0) return;
    this.heads.set(correlationId, head);
    if (this.heads.size > this.max) this.heads.delete(this.heads.keys().next().value!);
  }
}

export function createAuditWriter(pool: pg.Pool, opts: AuditWriterOptions = {}): AuditWriter {
  const algorithm = algorithmFor(opts.hmacKey);
  const cache = new HeadCache(opts.headCacheSize ?? 10_000);

  const fastRounds = opts.fastRounds ?? 2;

  /** A committed call: rows inserted, and the batch's ids found stored with the same content. */
  interface Written {
    inserted: number;
    stored: Set<string>;
  }

  /** The fast path; undefined when it was outrun fastRounds times. */
  async function append(rows: PendingRow[]): Promise<Written | undefined> {
    const stored = new Set<string>();
    // What the last answer said; the cache for correlations it did not cover.
    const known = new Map<string, Head | undefined>();
    const headOf = (c: string) => (known.has(c) ? known.get(c) : cache.get(c));
    for (let round = 0; round < fastRounds; round++) {
      const linked = link(rows, stored, headOf, algorithm, opts.hmacKey);
      if (linked.toInsert.length === 0) return { inserted: 0, stored };
      const correlations = [...linked.expected.keys()];
      const res = await pool.query<{
        r_kind: 'inserted' | 'id' | 'head';
        r_key: string;
        r_position: string | null;
        r_hash: string | null;
      }>({
        name: 'audit-append',
        text: APPEND_SQL,
        values: [
          JSON.stringify(linked.toInsert),
          linked.ids,
          correlations,
          correlations.map((c) => linked.expected.get(c)?.position ?? null),
          correlations.map((c) => linked.expected.get(c)?.hash ?? null),
          linked.leaves,
        ],
      });
      const first = res.rows[0];
      if (first?.r_kind === 'inserted') {
        for (const [c, h] of linked.after) cache.set(c, h);
        return { inserted: Number(first.r_key), stored };
      }
      // Outrun: learn the actual state, then link again.
      for (const c of correlations) known.set(c, undefined);
      const found: string[] = [];
      for (const r of res.rows) {
        if (r.r_kind === 'id') found.push(r.r_key);
        else if (r.r_kind === 'head') known.set(r.r_key, { position: Number(r.r_position), hash: r.r_hash! });
      }
      // Stored ids are skipped only when they hold this content; otherwise nothing is written.
      await checkStoredContent(pool, found, rows);
      for (const id of found) stored.add(id);
      for (const c of correlations) cache.set(c, known.get(c));
    }
    return undefined;
  }

  /** The locked path: a transaction that reads the heads under the locks. */
  async function writeLocked(rows: PendingRow[]): Promise<Written> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const correlations = [...new Set(rows.map((r) => r.correlation_id))];
      // Locks in hash order, so two batches sharing correlations cannot deadlock.
      await client.query(
        `SELECT pg_advisory_xact_lock(h) FROM (
           SELECT DISTINCT hashtext(c) AS h FROM unnest($1::text[]) AS c ORDER BY 1) AS locks`,
        [correlations],
      );
      const found = await client.query<{
        kind: 'id' | 'head';
        key: string;
        chain_position: string | null;
        event_hash: string | null;
      }>({
        name: 'audit-writer-lookup',
        text: LOOKUP_SQL,
        values: [rows.map((r) => r.event_id), correlations],
      });
      const stored = new Set<string>();
      const heads = new Map<string, Head>();
      for (const f of found.rows) {
        if (f.kind === 'id') stored.add(f.key);
        else heads.set(f.key, { position: Number(f.chain_position), hash: f.event_hash! });
      }
      await checkStoredContent(client, stored, rows);
      const linked = link(rows, stored, (c) => heads.get(c), algorithm, opts.hmacKey);
      let inserted = 0;
      if (linked.toInsert.length > 0) {
        const res = await client.query<{ inserted: number }>({
          name: 'audit-writer-insert',
          text: INSERT_SQL,
          values: [JSON.stringify(linked.toInsert), linked.ids, linked.leaves],
        });
        inserted = res.rows[0]?.inserted ?? 0;
      }
      await client.query('COMMIT');
      for (const c of correlations) cache.set(c, linked.after.get(c) ?? heads.get(c));
      return { inserted, stored };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function ensurePartitions(rows: PendingRow[]) {
    // Outside the batch transaction: creating a partition locks the parent table,
    // which must not happen while this connection holds row locks on it.
    const days = [...new Set(rows.map((r) => r.event_date))];
    await pool.query('SELECT audit_ensure_partition(d) FROM unnest($1::date[]) AS d', [days]);
  }

  return {
    async write(events: AuditEventInput[]): Promise<AuditWriteResult> {
      const all = events.map(toRow);
      const event_ids = all.map((r) => r.event_id);
      // Duplicates inside the batch count once: the first occurrence is the one linked.
      const { rows, repeated } = dedupeBatch(all);
      for (let attempt = 1; ; attempt++) {
        try {
          const { inserted, stored } = (await append(rows)) ?? (await writeLocked(rows));
          opts.onWritten?.(inserted);
          const duplicate_event_ids = [...new Set([...stored, ...repeated])];
          return { event_ids, inserted, duplicate_event_ids };
        } catch (err) {
          const code = (err as PgError).code;
          if (err instanceof AuditConflictError || attempt >= MAX_ATTEMPTS) throw err;
          if (code === MISSING_PARTITION && /no partition/i.test((err as Error).message)) {
            await ensurePartitions(rows);
          } else if (!code || !RETRYABLE.has(code)) {
            throw err;
          }
        }
      }
    },
  };
}
