/**
 * Audit event queries: filters, newest first, stable pagination.
 *
 * Pagination is keyset on (event_timestamp, event_id) with an opaque cursor, so
 * events arriving while a client pages never cause gaps or repeats (new events are
 * newer than the cursor). `offset` is kept for Kubernaut clients; it is not stable
 * under concurrent writes. Every value reaches SQL as a parameter.
 */
import type pg from 'pg';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';
import type { StoredAuditEvent } from './types.js';

export interface AuditQueryFilters {
  correlation_id?: string;
  event_type?: string;
  event_category?: string;
  event_outcome?: string;
  severity?: string;
  /** Inclusive lower bound on event_timestamp. */
  since?: Date;
  /** Inclusive upper bound on event_timestamp. */
  until?: Date;
  /** Matches event_data->>detail_key = detail_value; the key must match ^[a-zA-Z0-9_]+$. */
  detail_key?: string;
  detail_value?: string;
  /** 1..1000, default 100. */
  limit?: number;
  offset?: number;
  /** From a previous page's next_cursor; takes precedence over offset. */
  cursor?: string;
}

export interface AuditQueryPage {
  data: StoredAuditEvent[];
  pagination: {
    limit: number;
    offset: number;
    /** Matching events in all pages; computed for the first page of a cursor walk and for offset pages. */
    total?: number;
    has_more: boolean;
    next_cursor: string | null;
  };
}

export class InvalidCursorError extends Error {}

export const DETAIL_KEY_PATTERN = /^[a-zA-Z0-9_]+$/;

interface Cursor {
  t: string;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.t !== 'string' || typeof c.id !== 'string' || Number.isNaN(Date.parse(c.t))) throw 0;
    if (!/^[0-9a-f-]{36}$/.test(c.id)) throw 0;
    return { t: c.t, id: c.id };
  } catch {
    throw new InvalidCursorError('cursor is not one this API issued');
  }
}

/** The wire format carries parent_event_date as a date-time (the partition day at midnight UTC). */
function forReaders(e: StoredAuditEvent): StoredAuditEvent {
  return e.parent_event_date ? { ...e, parent_event_date: `${e.parent_event_date}T00:00:00Z` } : e;
}

export async function queryAuditEvents(pool: pg.Pool, f: AuditQueryFilters): Promise<AuditQueryPage> {
  const limit = Math.min(Math.max(f.limit ?? 100, 1), 1000);
  const offset = f.cursor ? 0 : Math.max(f.offset ?? 0, 0);
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  for (const col of [
    'correlation_id',
    'event_type',
    'event_category',
    'event_outcome',
    'severity',
  ] as const) {
    if (f[col] !== undefined) where.push(`${col} = ${p(f[col])}`);
  }
  if (f.since) where.push(`event_timestamp >= ${p(f.since)}`);
  if (f.until) where.push(`event_timestamp <= ${p(f.until)}`);
  if (f.detail_key !== undefined || f.detail_value !== undefined) {
    if (
      f.detail_key === undefined ||
      f.detail_value === undefined ||
      !DETAIL_KEY_PATTERN.test(f.detail_key)
    ) {
      throw new Error('detail_key and detail_value go together, and detail_key must match ^[a-zA-Z0-9_]+$');
    }
    // ->> compares the text form, so numbers and booleans match too ("42", "true").
    where.push(`event_data ->> ${p(f.detail_key)}::text = ${p(f.detail_value)}::text`);
  }
  const filterSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const filterParams = [...params];

  const pageWhere = [...where];
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    pageWhere.push(`(event_timestamp, event_id) < (${p(c.t)}::timestamptz, ${p(c.id)}::uuid)`);
  }
  const pageSql = `SELECT ${STORED_COLUMNS}, event_timestamp::text AS cursor_ts FROM audit_events
    ${pageWhere.length ? `WHERE ${pageWhere.join(' AND ')}` : ''}
    ORDER BY event_timestamp DESC, event_id DESC LIMIT ${p(limit + 1)} OFFSET ${p(offset)}`;

  const [page, count] = await Promise.all([
    pool.query<DbAuditRow & { cursor_ts: string }>(pageSql, params),
    f.cursor
      ? Promise.resolve(undefined)
      : pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events ${filterSql}`, filterParams),
  ]);
  const rows = page.rows.slice(0, limit);
  const hasMore = page.rows.length > limit;
  const last = rows.at(-1);
  return {
    data: rows.map(({ cursor_ts: _, ...r }) => forReaders(fromDb(r))),
    pagination: {
      limit,
      offset,
      ...(count ? { total: count.rows[0]!.n } : {}),
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor({ t: last.cursor_ts, id: last.event_id }) : null,
    },
  };
}
