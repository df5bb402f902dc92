/**
 * Least privilege (migrations/0009, docs/database-roles.md): the app's role can only
 * INSERT and SELECT on the audit tables, the sequencer's only what sequencing needs;
 * what they did with more goes through SECURITY DEFINER functions. Retention through
 * its function leaves tombstones bound to the rows' Merkle leaves: proofs still
 * verify afterwards, and a tombstone forged by a superuser is rejected.
 * A database of its own: a statement wrongly allowed must not touch other suites' rows.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyRetention,
  createAuditWriter,
  placeLegalHold,
  releaseLegalHold,
  verifyChain,
} from '../../lib/audit/index.js';
import { checkCorrelationInLog } from '../../lib/audit/log-correlation.js';
import { inclusionProof, leafOfEvent } from '../../lib/audit/log-store.js';
import { verifyLog } from '../../lib/audit/log-verify.js';
import { verifyInclusion } from '../../lib/audit/merkle.js';
import { openCheckpoint } from '../../lib/audit/note.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { asSuperuser, freshAuditDatabase, testLog } from './audit-log-fixtures.js';

interface PgError {
  code?: string;
  message: string;
}

async function refusal(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<PgError> {
  try {
    await pool.query(sql, params);
  } catch (err) {
    return err as PgError;
  }
  throw new Error(`not refused: ${sql}`);
}

describe('database roles', async () => {
  const { pool: admin, urls } = await freshAuditDatabase();
  const pools = {
    writer: new pg.Pool({ connectionString: urls.writer, max: 4 }),
    sequencer: new pg.Pool({ connectionString: urls.sequencer, max: 2 }),
  };
  // The database is dropped WITH (FORCE) after the file: an idle connection the server
  // ends then is expected, not an error of the test (CI, 2026-12-01: an uncaught 57P01).
  for (const p of Object.values(pools)) p.on('error', () => {});
  afterAll(async () => {
    await pools.writer.end();
    await pools.sequencer.end();
  });
  const writer = createAuditWriter(pools.writer);
  // The service as the API runs it: reads as the writer, sequences as the sequencer.
  const log = testLog(pools.writer, { sequencerPool: pools.sequencer });
  const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

  const cid = newCorrelation();
  const first = auditEvent(cid);
  await writer.write([first]);
  await log.runOnce();
  const { rows: parts } = await admin.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1 LIMIT 1`,
  );
  const partition = parts[0]!.name;

  it.each([
    [
      'UPDATE',
      `UPDATE audit_events SET event_outcome = 'failure'`,
      /permission denied for table audit_events/,
    ],
    ['DELETE', 'DELETE FROM audit_events', /permission denied for table audit_events/],
    ['TRUNCATE', 'TRUNCATE audit_events', /permission denied for table audit_events/],
    [
      'DISABLE TRIGGER',
      'ALTER TABLE audit_events DISABLE TRIGGER ALL',
      /must be owner of table audit_events/,
    ],
    ['DROP', 'DROP TABLE audit_events', /must be owner of table audit_events/],
    [
      'DETACH PARTITION',
      `ALTER TABLE audit_events DETACH PARTITION ${'%P'}`,
      /must be owner of table audit_events/,
    ],
    ['DELETE from a partition', `DELETE FROM ${'%P'}`, /permission denied for table audit_events_/],
    [
      'INSERT of a tombstone',
      `INSERT INTO audit_retention_tombstones (correlation_id, chain_position, event_id, event_date, event_category, event_hash)
       VALUES ('x', 1, gen_random_uuid(), current_date, 'gateway', repeat('a', 64))`,
      /permission denied for table audit_retention_tombstones/,
    ],
    [
      'UPDATE of a log leaf',
      'UPDATE audit_log_leaves SET idx = idx + 1',
      /permission denied for table audit_log_leaves/,
    ],
    [
      'DELETE from the log queue',
      'DELETE FROM audit_log_pending_batches',
      /permission denied for table audit_log_pending_batches/,
    ],
    [
      'UPDATE of a queued batch (its leaf hashes)',
      'UPDATE audit_log_pending_batches SET leaf_hashes = leaf_hashes',
      /permission denied for table audit_log_pending_batches/,
    ],
    [
      'DELETE from the queue of single events (before migrations/0012)',
      'DELETE FROM audit_log_pending_events',
      /permission denied for table audit_log_pending_events/,
    ],
    [
      'UPDATE of the log state',
      'UPDATE audit_log_state SET tree_size = 0',
      /permission denied for table audit_log_state/,
    ],
    [
      'a legal hold removed directly',
      'DELETE FROM audit_legal_holds',
      /permission denied for table audit_legal_holds/,
    ],
    [
      'a retention policy of its own',
      `INSERT INTO audit_retention_policy VALUES ('gateway', 1)`,
      /permission denied for table audit_retention_policy/,
    ],
    ['DELETE of a gateway claim', 'DELETE FROM gateway_claims', /permission denied for table gateway_claims/],
  ])('the writer role is refused %s', async (_what, sql, message) => {
    const err = await refusal(pools.writer, sql.replace('%P', partition));
    expect(err.code).toBe('42501');
    expect(err.message).toMatch(message);
  });

  it.each([
    [
      'UPDATE of an event',
      `UPDATE audit_events SET event_outcome = 'failure'`,
      /permission denied for table audit_events/,
    ],
    ['DELETE of an event', 'DELETE FROM audit_events', /permission denied for table audit_events/],
    ['DELETE of a leaf', 'DELETE FROM audit_log_leaves', /permission denied for table audit_log_leaves/],
    ['TRUNCATE of the nodes', 'TRUNCATE audit_log_nodes', /permission denied for table audit_log_nodes/],
    [
      'DELETE of a checkpoint',
      'DELETE FROM audit_log_checkpoints',
      /permission denied for table audit_log_checkpoints/,
    ],
  ])('the sequencer role is refused %s', async (_what, sql, message) => {
    const err = await refusal(pools.sequencer, sql);
    expect(err.code).toBe('42501');
    expect(err.message).toMatch(message);
  });

  it('the writer cannot make itself the owner or call the owner-only functions by another name', async () => {
    expect((await refusal(pools.writer, 'SET ROLE kubernaut_owner')).message).toMatch(/permission denied/);
    expect((await refusal(pools.writer, 'ALTER TABLE audit_events OWNER TO kubernaut_app')).code).toBe(
      '42501',
    );
    // The functions run as their owner with a fixed search_path, whatever the caller's.
    const { rows } = await admin.query<{ proname: string; prosecdef: boolean; proconfig: string[] }>(
      `SELECT proname, prosecdef, proconfig FROM pg_proc
        WHERE proname IN ('audit_apply_retention', 'audit_place_legal_hold', 'audit_release_legal_hold',
                          'audit_ensure_partition', 'audit_create_partitions_ahead') ORDER BY proname`,
    );
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r.prosecdef, r.proname).toBe(true);
      expect(r.proconfig, r.proname).toContain('search_path=public, pg_temp');
    }
  });

  it('the writer places and releases legal holds through their functions, the release audited', async () => {
    const held = newCorrelation();
    await writer.write([auditEvent(held), auditEvent(held)]);
    const hold = await placeLegalHold(pools.writer, {
      correlationId: held,
      reason: 'litigation',
      placedBy: 'counsel',
    });
    expect(hold).toMatchObject({ events_affected: 2, placed_by: 'counsel' });
    const released = await releaseLegalHold(pools.writer, writer, {
      correlationId: held,
      releasedBy: 'counsel',
      reason: 'case closed',
    });
    // The two events and the release's own event (written while the hold was on).
    expect(released).toMatchObject({
      events_released: 3,
      released_by: 'counsel',
      release_reason: 'case closed',
    });
    const { rows } = await pools.writer.query(
      'SELECT release_reason, released_by, database_user FROM audit_legal_hold_releases WHERE correlation_id = $1',
      [held],
    );
    expect(rows).toEqual([
      { release_reason: 'case closed', released_by: 'counsel', database_user: 'kubernaut_app' },
    ]);
    expect((await verifyChain(pools.writer, held)).is_valid).toBe(true);
  });

  it('retention through its function leaves tombstones bound to the leaves: proofs verify after the payload is gone', async () => {
    const old = newCorrelation();
    const expired = [
      auditEvent(old, { event_timestamp: daysAgo(5), retention_days: 1 }),
      auditEvent(old, { event_timestamp: daysAgo(5), retention_days: 1 }),
    ];
    await writer.write([...expired, auditEvent(old)]);
    await log.runOnce();
    const kept = openCheckpoint(log.latest()!.note, log.verifiers);

    expect(await applyRetention(pools.writer, { correlationIds: [old] })).toMatchObject({ deleted: 2 });
    // Idempotent: nothing left to expire.
    expect((await applyRetention(pools.writer, { correlationIds: [old] })).deleted).toBe(0);

    const { rows: tombs } = await pools.writer.query<{
      event_id: string;
      log_index: string;
      leaf_hash: Buffer;
    }>(
      'SELECT event_id::text, log_index, leaf_hash FROM audit_retention_tombstones WHERE correlation_id = $1',
      [old],
    );
    expect(tombs).toHaveLength(2);
    for (const e of expired) {
      const leaf = (await leafOfEvent(pools.writer, e.event_id))!;
      const t = tombs.find((x) => x.event_id === e.event_id)!;
      expect(t.leaf_hash.equals(leaf.leaf_hash)).toBe(true);
      expect(Number(t.log_index)).toBe(leaf.idx);
      // The event's payload is gone; its inclusion in the signed tree is still proven.
      const proof = await inclusionProof(pools.writer, leaf.idx, kept.size);
      expect(verifyInclusion(leaf.idx, kept.size, leaf.leaf_hash, proof, kept.root)).toBe(true);
    }
    expect(await verifyChain(pools.writer, old)).toMatchObject({ is_valid: true, pruned_events: 2 });
    expect(await verifyLog(pools.writer, kept, { verifiers: log.verifiers })).toMatchObject({
      is_valid: true,
      pruned_events: 2,
    });
    expect((await checkCorrelationInLog(pools.writer, old, kept)).log_consistent).toBe(true);
  });

  it('a tombstone forged by a superuser (not bound to the leaf) is rejected', async () => {
    const victim = newCorrelation();
    const events = [auditEvent(victim), auditEvent(victim), auditEvent(victim)];
    await writer.write(events);
    await log.runOnce();
    const kept = openCheckpoint(log.latest()!.note, log.verifiers);
    const target = events[1]!;
    await asSuperuser(admin, async (c) => {
      const { rows } = await c.query(
        `DELETE FROM audit_events WHERE event_id = $1
         RETURNING correlation_id, chain_position, event_id, event_date, event_category, event_hash`,
        [target.event_id],
      );
      const r = rows[0];
      // The chain link is right (so the old check passed); the leaf hash is not the log's.
      await c.query(
        `INSERT INTO audit_retention_tombstones
           (correlation_id, chain_position, event_id, event_date, event_category, event_hash, leaf_hash)
         VALUES ($1, $2, $3, $4, $5, $6, sha256('forged'::bytea))`,
        [r.correlation_id, r.chain_position, r.event_id, r.event_date, r.event_category, r.event_hash],
      );
    });
    const chain = await verifyChain(pools.writer, victim);
    expect(chain.is_valid).toBe(false);
    expect(chain.tampered_events).toContainEqual(
      expect.objectContaining({ event_id: target.event_id, message: expect.stringMatching(/not bound/) }),
    );
    const v = await verifyLog(pools.writer, kept, { verifiers: log.verifiers });
    expect(v.is_valid).toBe(false);
    const leaf = (await leafOfEvent(pools.writer, target.event_id))!;
    expect(v.problems).toContainEqual(
      expect.objectContaining({ kind: 'missing-event', log_index: leaf.idx }),
    );
    expect(v.first_bad_index).toBe(leaf.idx);
    expect((await checkCorrelationInLog(pools.writer, victim, kept)).missing_log_indexes).toEqual([leaf.idx]);
  });

  it('a tombstone without a leaf hash is rejected for a row the log holds', async () => {
    const victim = newCorrelation();
    const events = [auditEvent(victim), auditEvent(victim)];
    await writer.write(events);
    await log.runOnce();
    await asSuperuser(admin, async (c) => {
      const { rows } = await c.query(
        `DELETE FROM audit_events WHERE event_id = $1
         RETURNING correlation_id, chain_position, event_id, event_date, event_category, event_hash`,
        [events[0]!.event_id],
      );
      const r = rows[0];
      await c.query(
        `INSERT INTO audit_retention_tombstones
           (correlation_id, chain_position, event_id, event_date, event_category, event_hash)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [r.correlation_id, r.chain_position, r.event_id, r.event_date, r.event_category, r.event_hash],
      );
    });
    const chain = await verifyChain(pools.writer, victim);
    expect(chain.is_valid).toBe(false);
    expect(chain.tampered_events.map((t) => t.event_id)).toContain(events[0]!.event_id);
  });
});
