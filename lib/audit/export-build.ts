/**
 * Builds a signed audit export (lib/audit/export-format.ts) from the database: the
 * events matching the filters, the newest signed checkpoint, each event's leaf and
 * inclusion proof in it, the chain verdicts, and the signed note over all of it.
 * Read-only: building the same export twice stores nothing.
 */
import type pg from 'pg';
import { checkChains } from './export-chains.js';
import {
  type AuditExport,
  bodyDigest,
  type ExportEvent,
  type ExportProof,
  exportNoteText,
  manifestDigest,
} from './export-format.js';
import { eventLeafHash } from './log-entry.js';
import { latestCheckpoint, loadNodes, type StoredCheckpoint } from './log-store.js';
import { inclusionRanges, nodesFor, rangeHash } from './merkle.js';
import { type NoteSigner, parseCheckpointText, signNote } from './note.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from './rows.js';

export interface ExportFilters {
  correlation_id?: string;
  start_time?: string;
  end_time?: string;
  event_category?: string;
  offset: number;
  limit: number;
}

export interface ExportOptions {
  signer: NoteSigner;
  hmacKey?: string;
  exportedBy?: string;
  /** Returns once queued events are sequenced and a checkpoint covers them (AuditLog.runOnce). */
  sequence?: () => Promise<void>;
  now?: () => Date;
}

/** The database has no signed checkpoint yet: nothing could be proven. */
export class NoCheckpointError extends Error {
  override name = 'NoCheckpointError';
}

type Row = DbAuditRow & { idx: string | null; leaf_hash: Buffer | null; ord: string };

/** Inclusion proofs of many leaves in one tree, from one read of the stored nodes. */
async function inclusionProofs(
  pool: pg.Pool,
  indexes: number[],
  size: number,
): Promise<Map<number, Buffer[]>> {
  const ranges = new Map(indexes.map((i) => [i, inclusionRanges(i, size)]));
  const get = await loadNodes(pool, nodesFor([...ranges.values()].flat()));
  return new Map([...ranges].map(([i, rs]) => [i, rs.map(([a, b]) => rangeHash(a, b, get))]));
}

async function selectEvents(pool: pg.Pool, f: ExportFilters): Promise<Row[]> {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const where: string[] = [];
  if (f.correlation_id !== undefined) where.push(`correlation_id = ${p(f.correlation_id)}`);
  if (f.event_category !== undefined) where.push(`event_category = ${p(f.event_category)}`);
  if (f.start_time) where.push(`event_timestamp >= ${p(f.start_time)}::timestamptz`);
  if (f.end_time) where.push(`event_timestamp <= ${p(f.end_time)}::timestamptz`);
  // Oldest first, a chain in its order; the leaf by (id, day), as the log keys it.
  const { rows } = await pool.query<Row>(
    `SELECT s.*, l.idx, l.leaf_hash FROM (
       SELECT ${STORED_COLUMNS}, row_number() OVER (ORDER BY event_timestamp, chain_position, event_id) AS ord
         FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY event_timestamp, chain_position, event_id
        LIMIT ${p(f.limit + 1)} OFFSET ${p(f.offset)}) AS s
     LEFT JOIN LATERAL (
       SELECT idx, leaf_hash FROM audit_log_leaves l
        WHERE l.event_id = s.event_id::uuid AND l.event_date = s.event_date::date ORDER BY idx LIMIT 1) AS l ON true
     ORDER BY s.ord`,
    params,
  );
  return rows;
}

const b64 = (h: Buffer) => h.toString('base64');

export async function buildExport(pool: pg.Pool, f: ExportFilters, o: ExportOptions): Promise<AuditExport> {
  let rows = await selectEvents(pool, f);
  let checkpoint = await latestCheckpoint(pool);
  const uncovered = (c: StoredCheckpoint | undefined) =>
    rows.some((r) => r.idx === null || !c || Number(r.idx) >= c.tree_size);
  if (o.sequence && uncovered(checkpoint)) {
    // Events written in the last seconds are queued for the log: sequence them now,
    // so the export proves them instead of listing them as not in the log. A run that
    // fails (the sequencer refusing to sign an inconsistent log) leaves them listed
    // as not in the log, which the verifier reports: the export still goes out.
    await o.sequence().catch(() => {});
    rows = await selectEvents(pool, f);
    checkpoint = await latestCheckpoint(pool);
  }
  if (!checkpoint) throw new NoCheckpointError('the audit log has not issued a checkpoint yet');
  const cp = checkpoint;
  const page = rows.slice(0, f.limit);

  const isCovered = (idx: number | null): idx is number => idx !== null && idx < cp.tree_size;
  const indexes = page.map((r) => (r.idx === null ? null : Number(r.idx))).filter(isCovered);
  const paths = await inclusionProofs(pool, indexes, cp.tree_size);
  const proofs: ExportProof[] = [];
  const events: ExportEvent[] = [];
  for (const { idx: rawIdx, leaf_hash, ord: _, ...db } of page) {
    const event = fromDb(db);
    const idx = rawIdx === null ? null : Number(rawIdx);
    const covered = isCovered(idx);
    proofs.push({
      event_id: event.event_id,
      log_index: covered ? idx : null,
      leaf_hash: b64(leaf_hash ?? eventLeafHash(event)),
      inclusion_path: covered ? paths.get(idx)!.map(b64) : [],
    });
    events.push({ ...event, ...(covered ? { log_index: idx } : {}), hash_chain_valid: true });
  }

  const chains = checkChains(events, o.hmacKey);
  const tampered = new Set(chains.faults.map((x) => x.event_id));
  for (const e of events) e.hash_chain_valid = !tampered.has(e.event_id);
  const now = (o.now ?? (() => new Date()))().toISOString();
  const valid = events.length - tampered.size;
  const hash_chain_verification = {
    total_events_verified: events.length,
    valid_chain_events: valid,
    broken_chain_events: tampered.size,
    chain_integrity_percentage: events.length ? Math.round((valid / events.length) * 10000) / 100 : 100,
    verification_timestamp: now,
    tampered_event_ids: [...tampered],
  };
  const query_filters = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
  const metadata = {
    export_timestamp: now,
    export_format: 'json' as const,
    query_filters,
    total_events: events.length,
    signature: '',
    signature_algorithm: 'Ed25519' as const,
    signing_key: `${o.signer.name}+${o.signer.verifier.text.split('+')[1]}`,
    ...(o.exportedBy ? { exported_by: o.exportedBy } : {}),
    has_more: rows.length > f.limit,
  };
  const body = parseCheckpointText(cp.note.slice(0, cp.note.lastIndexOf('\n\n') + 1));
  const text = exportNoteText({
    origin: body.origin,
    treeSize: cp.tree_size,
    root: b64(cp.root_hash),
    count: events.length,
    manifestDigest: manifestDigest(proofs),
    bodyDigest: bodyDigest({ export_metadata: metadata, hash_chain_verification }),
  });
  const signed_note = signNote(text, [o.signer]);
  metadata.signature = /— \S+ (\S+)\n$/u.exec(signed_note)![1]!;
  return {
    export_metadata: metadata,
    events,
    hash_chain_verification,
    signed_note,
    checkpoint: { origin: body.origin, tree_size: cp.tree_size, root_hash: b64(cp.root_hash), note: cp.note },
    proofs,
  };
}
