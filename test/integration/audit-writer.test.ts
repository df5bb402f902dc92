import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../lib/audit/hash.js';
import {
  type AuditWriterOptions,
  applyRetention,
  createAuditWriter,
  verifyChain,
} from '../../lib/audit/index.js';
import { adminPool, auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

// Every guarantee holds on both of the writer's paths: the fast one (one call of
// audit_append against the heads the writer expects) and the locked transaction
// it falls back to.
describe.each([
  ['fast path', {}],
  ['locked path', { fastRounds: 0 }],
] as [string, AuditWriterOptions][])('audit writer (%s)', (_path, options) => {
  const pool = auditPool();
  const admin = adminPool();
  const writer = createAuditWriter(pool, options);

  const chainOf = async (cid: string) =>
    (
      await pool.query(
        `SELECT event_id::text, chain_position::int AS pos, event_hash, previous_event_hash, hash_algorithm
           FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position`,
        [cid],
      )
    ).rows;

  it('stores a single event as the genesis link of its correlation chain', async () => {
    const cid = newCorrelation();
    const e = auditEvent(cid);
    const res = await writer.write([e]);
    expect(res).toEqual({ event_ids: [e.event_id], inserted: 1, duplicate_event_ids: [] });
    const [row] = await chainOf(cid);
    expect(row).toMatchObject({ event_id: e.event_id, pos: 1, previous_event_hash: GENESIS_HASH });
    expect(row.hash_algorithm).toBe('sha256');
    expect(row.event_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores a batch in input order, each event linked to the one before', async () => {
    const cid = newCorrelation();
    const events = [1, 2, 3].map(() => auditEvent(cid));
    const res = await writer.write(events);
    expect(res.event_ids).toEqual(events.map((e) => e.event_id));
    expect(res.inserted).toBe(3);
    const chain = await chainOf(cid);
    expect(chain.map((r) => r.event_id)).toEqual(res.event_ids);
    expect(chain[1].previous_event_hash).toBe(chain[0].event_hash);
    expect(chain[2].previous_event_hash).toBe(chain[1].event_hash);
    expect((await verifyChain(pool, cid)).is_valid).toBe(true);
  });

  it('assigns an id to an event without one', async () => {
    const cid = newCorrelation();
    const { event_id: _, ...noId } = auditEvent(cid);
    const res = await writer.write([noId]);
    expect(res.event_ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('re-writing stored event ids is a no-op that keeps one row each and the chain valid', async () => {
    const cid = newCorrelation();
    const events = [auditEvent(cid), auditEvent(cid)];
    await writer.write(events);
    const replay = await writer.write([events[1]!, events[0]!, events[1]!]);
    expect(replay).toEqual({
      event_ids: [events[1]!.event_id, events[0]!.event_id, events[1]!.event_id],
      inserted: 0,
      duplicate_event_ids: expect.arrayContaining([events[0]!.event_id, events[1]!.event_id]),
    });
    expect(replay.duplicate_event_ids).toHaveLength(2);
    const more = auditEvent(cid);
    await writer.write([events[0]!, more]);
    const chain = await chainOf(cid);
    expect(chain.map((r) => r.event_id)).toEqual([events[0]!.event_id, events[1]!.event_id, more.event_id]);
    expect(chain.map((r) => r.pos)).toEqual([1, 2, 3]);
    const v = await verifyChain(pool, cid);
    expect(v).toMatchObject({ is_valid: true, total_events: 3, verified_events: 3 });
  });

  it('a batch is all-or-nothing: one bad row stores none of it', async () => {
    const cid = newCorrelation();
    const good = auditEvent(cid);
    const bad = auditEvent(cid, { event_outcome: 'maybe' as 'success' });
    await expect(writer.write([good, bad])).rejects.toThrow();
    expect(await chainOf(cid)).toEqual([]);
  });

  it('concurrent writers on one correlation build one valid chain without forks', async () => {
    const cid = newCorrelation();
    const writers = Array.from({ length: 8 }, () => createAuditWriter(pool, options));
    await Promise.all(
      writers.map((w, i) =>
        w.write([
          auditEvent(cid, { event_data: { n: i, k: 0 } }),
          auditEvent(cid, { event_data: { n: i, k: 1 } }),
        ]),
      ),
    );
    const chain = await chainOf(cid);
    expect(chain.map((r) => r.pos)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const v = await verifyChain(pool, cid);
    expect(v).toMatchObject({ is_valid: true, total_events: 16, verified_events: 16 });
  });

  it('creates the partition for an event dated outside every partition, then stores it', async () => {
    const cid = newCorrelation();
    const old = auditEvent(cid, { event_timestamp: '2019-03-15T10:00:00.000Z' });
    // Dropping a partition is the owner's business; the writer has it re-created through audit_ensure_partition.
    await admin.query('DROP TABLE IF EXISTS audit_events_2019_03');
    const res = await writer.write([old]);
    expect(res.inserted).toBe(1);
    const p = await pool.query("SELECT to_regclass('public.audit_events_2019_03')::text AS t");
    expect(p.rows[0].t).toBe('audit_events_2019_03');
    const { rows } = await pool.query('SELECT event_date::text AS d FROM audit_events WHERE event_id = $1', [
      old.event_id,
    ]);
    expect(rows[0].d).toBe('2019-03-15');
  });

  it('with an HMAC key, links are HMAC-SHA256 and verify only with that key', async () => {
    const cid = newCorrelation();
    const keyed = createAuditWriter(pool, { ...options, hmacKey: 'test-secret' });
    await keyed.write([auditEvent(cid), auditEvent(cid)]);
    expect((await chainOf(cid)).map((r) => r.hash_algorithm)).toEqual(['hmac-sha256', 'hmac-sha256']);
    expect((await verifyChain(pool, cid, { hmacKey: 'test-secret' })).is_valid).toBe(true);
    expect((await verifyChain(pool, cid, { hmacKey: 'another-key' })).is_valid).toBe(false);
    const noKey = await verifyChain(pool, cid);
    expect(noKey.is_valid).toBe(false);
    expect(noKey.tampered_events[0]!.message).toMatch(/HMAC key/);
  });

  it('a writer continues a chain another writer advanced since its last write', async () => {
    const cid = newCorrelation();
    const other = createAuditWriter(pool, options);
    const [a, b, c, d] = [1, 2, 3, 4].map(() => auditEvent(cid));
    await writer.write([a!]);
    await other.write([b!, c!]);
    expect(await writer.write([d!, b!])).toEqual({
      event_ids: [d!.event_id, b!.event_id],
      inserted: 1,
      duplicate_event_ids: [b!.event_id],
    });
    const chain = await chainOf(cid);
    expect(chain.map((r) => r.event_id)).toEqual([a!.event_id, b!.event_id, c!.event_id, d!.event_id]);
    expect(chain.map((r) => r.pos)).toEqual([1, 2, 3, 4]);
    expect((await verifyChain(pool, cid)).is_valid).toBe(true);
  });

  it('a new writer continues a chain whose newest rows retention removed, after the tombstones', async () => {
    const cid = newCorrelation();
    const old = new Date(Date.now() - 5 * 86_400_000).toISOString();
    await writer.write([1, 2].map(() => auditEvent(cid, { event_timestamp: old, retention_days: 1 })));
    expect((await applyRetention(pool, { correlationIds: [cid] })).deleted).toBe(2);
    const next = auditEvent(cid);
    await createAuditWriter(pool, options).write([next]);
    expect((await chainOf(cid)).map((r) => r.pos)).toEqual([3]);
    expect(await verifyChain(pool, cid)).toMatchObject({ is_valid: true, total_events: 1, pruned_events: 2 });
  });

  it('events written under a legal hold are held from birth', async () => {
    const cid = newCorrelation();
    await writer.write([auditEvent(cid)]);
    // A hold placed directly (as the owner could), so that only the writer's own path is tested here.
    await admin.query(
      "INSERT INTO audit_legal_holds (correlation_id, reason, placed_by) VALUES ($1, 'case 7', 'legal')",
      [cid],
    );
    const later = auditEvent(cid);
    await writer.write([later]);
    const { rows } = await pool.query(
      'SELECT legal_hold, legal_hold_reason FROM audit_events WHERE event_id = $1',
      [later.event_id],
    );
    expect(rows[0]).toEqual({ legal_hold: true, legal_hold_reason: 'case 7' });
  });
});
