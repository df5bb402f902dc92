/**
 * What a database superuser can do to the audit trail behind the API, with every
 * trigger off, and how verification against a checkpoint taken before names it by
 * global sequence number. Each case gets a database of its own.
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/index.js';
import type { AuditLog } from '../../lib/audit/log-service.js';
import { verifyLog } from '../../lib/audit/log-verify.js';
import { CompactRange } from '../../lib/audit/merkle.js';
import { type Checkpoint, openCheckpoint } from '../../lib/audit/note.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { asSuperuser, freshAuditDatabase, testLog } from './audit-log-fixtures.js';

interface Scenario {
  pool: pg.Pool;
  log: AuditLog;
  /** Log index → event id and correlation. */
  entries: { event_id: string; correlation_id: string }[];
  /** The checkpoint an auditor kept before anything happened. */
  trusted: Checkpoint;
  write(n: number, cid?: string): Promise<void>;
}

describe('audit log tamper detection (superuser, triggers off)', async () => {
  const databases: pg.Pool[] = [];
  for (let i = 0; i < 9; i++) databases.push((await freshAuditDatabase()).pool);

  /** Three correlations written in batches of four, a checkpoint after each batch: 12 entries. */
  async function scenario(pool: pg.Pool): Promise<Scenario> {
    const log = testLog(pool);
    const writer = createAuditWriter(pool);
    const cids = [newCorrelation('a'), newCorrelation('b'), newCorrelation('c')];
    const write = async (n: number, cid?: string) => {
      await writer.write(
        Array.from({ length: n }, (_, i) =>
          auditEvent(cid ?? cids[i % 3]!, { event_data: { i, at: Date.now() } }),
        ),
      );
      await log.runOnce();
    };
    for (let b = 0; b < 3; b++) await write(4);
    const { rows } = await pool.query<{ event_id: string; correlation_id: string }>(
      'SELECT event_id::text, correlation_id FROM audit_log_leaves ORDER BY idx',
    );
    const trusted = openCheckpoint(log.latest()!.note, log.verifiers);
    expect(trusted.size).toBe(12);
    expect((await verifyLog(pool, trusted, { verifiers: log.verifiers })).is_valid).toBe(true);
    return { pool, log, entries: rows, trusted, write };
  }

  const verify = (s: Scenario) => verifyLog(s.pool, s.trusted, { verifiers: s.log.verifiers });

  it('a modified row is named by its sequence number', async () => {
    const s = await scenario(databases[0]!);
    await asSuperuser(s.pool, (c) =>
      c
        .query(`UPDATE audit_events SET event_outcome = 'failure' WHERE event_id = $1`, [
          s.entries[6]!.event_id,
        ])
        .then(),
    );
    const v = await verify(s);
    expect(v).toMatchObject({ is_valid: false, first_bad_index: 6, root_matches: true });
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'modified-event', log_index: 6 })]);
  });

  it('a deleted row is named by its sequence number', async () => {
    const s = await scenario(databases[1]!);
    await asSuperuser(s.pool, (c) =>
      c.query('DELETE FROM audit_events WHERE event_id = $1', [s.entries[3]!.event_id]).then(),
    );
    const v = await verify(s);
    expect(v).toMatchObject({ is_valid: false, first_bad_index: 3 });
    expect(v.problems.map((p) => [p.kind, p.log_index])).toEqual([['missing-event', 3]]);
  });

  it('a whole correlation deleted is named entry by entry', async () => {
    const s = await scenario(databases[2]!);
    const victim = s.entries[1]!.correlation_id;
    await asSuperuser(s.pool, (c) =>
      c.query('DELETE FROM audit_events WHERE correlation_id = $1', [victim]).then(),
    );
    const v = await verify(s);
    const gone = s.entries.flatMap((e, i) => (e.correlation_id === victim ? [i] : []));
    expect(gone.length).toBeGreaterThanOrEqual(3);
    expect(v).toMatchObject({ is_valid: false, first_bad_index: gone[0] });
    expect(v.problems.map((p) => [p.kind, p.log_index, p.correlation_id])).toEqual(
      gone.map((i) => ['missing-event', i, victim]),
    );
  });

  it('the newest rows truncated, then more written, is named from the first truncated entry', async () => {
    const s = await scenario(databases[3]!);
    await asSuperuser(s.pool, (c) =>
      c
        .query('DELETE FROM audit_events WHERE event_id = ANY($1::uuid[])', [
          s.entries.slice(9).map((e) => e.event_id),
        ])
        .then(),
    );
    await s.write(3);
    const v = await verify(s);
    expect(v).toMatchObject({ is_valid: false, first_bad_index: 9 });
    expect(v.problems.map((p) => p.log_index)).toEqual([9, 10, 11]);
  });

  it('rows and their log entries truncated, then more written: the sequencer refuses, verification names the cut', async () => {
    const s = await scenario(databases[4]!);
    // The superuser removes entries 8.. everywhere and rewinds the log to 8 entries.
    await asSuperuser(s.pool, async (c) => {
      await c.query('DELETE FROM audit_events WHERE event_id = ANY($1::uuid[])', [
        s.entries.slice(8).map((e) => e.event_id),
      ]);
      await c.query('DELETE FROM audit_log_leaves WHERE idx >= 8');
      await c.query('DELETE FROM audit_log_checkpoints WHERE tree_size > 8');
      const leaves = await c.query<{ leaf_hash: Buffer }>(
        'SELECT leaf_hash FROM audit_log_leaves ORDER BY idx',
      );
      const range = new CompactRange();
      for (const l of leaves.rows) range.append(l.leaf_hash);
      await c.query('UPDATE audit_log_state SET tree_size = 8, compact_range = $1', [range.hashes]);
    });
    await expect(s.write(3)).rejects.toThrow(/entries were removed/);
    expect(s.log.status().ok).toBe(false);
    const v = await verify(s);
    expect(v).toMatchObject({ is_valid: false, first_bad_index: 8, root_matches: false });
    expect(v.problems[0]).toMatchObject({ kind: 'missing-leaf', log_index: 8 });
  });

  it('events reordered inside a correlation are named by their sequence numbers', async () => {
    const s = await scenario(databases[5]!);
    // Positions 2 and 3 of the correlation of entry 11 swap places.
    const cid = s.entries[11]!.correlation_id;
    const { rows } = await s.pool.query<{ idx: string; event_id: string }>(
      'SELECT idx, event_id::text FROM audit_log_leaves WHERE correlation_id = $1 AND chain_position IN (2, 3) ORDER BY chain_position',
      [cid],
    );
    const [second, third] = rows.map((r) => ({ idx: Number(r.idx), event_id: r.event_id }));
    await asSuperuser(s.pool, async (c) => {
      await c.query(
        `UPDATE audit_events SET chain_position = CASE event_id WHEN $1::uuid THEN 3 ELSE 2 END
          WHERE event_id IN ($1::uuid, $2::uuid)`,
        [second!.event_id, third!.event_id],
      );
    });
    const v = await verify(s);
    expect(v).toMatchObject({ is_valid: false, first_bad_index: second!.idx });
    expect(v.problems.map((p) => [p.kind, p.log_index])).toEqual([
      ['modified-event', second!.idx],
      ['modified-event', third!.idx],
    ]);
  });

  it('a row inserted behind the writer is reported as never logged', async () => {
    const s = await scenario(databases[7]!);
    const forged = '00000000-0000-4000-8000-00000000f0f0';
    await asSuperuser(s.pool, (c) =>
      c
        .query(
          `INSERT INTO audit_events SELECT $1::uuid, event_date, version, event_timestamp, event_type, event_category,
             event_action, 'failure', actor_type, actor_id, actor_ip, resource_type, resource_id, correlation_id,
             parent_event_id, parent_event_date, namespace, cluster_id, event_data, severity, duration_ms, error_code,
             error_message, retention_days, is_sensitive, 99, event_hash, previous_event_hash, hash_algorithm
             FROM audit_events WHERE event_id = $2`,
          [forged, s.entries[0]!.event_id],
        )
        .then(),
    );
    await s.log.runOnce();
    const v = await verify(s);
    expect(v).toMatchObject({ is_valid: false, root_matches: true, first_bad_index: null });
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'unlogged-event', event_id: forged })]);
  });

  it('a row changed or deleted after its commit but before it was sequenced is still caught', async () => {
    const s = await scenario(databases[8]!);
    const cid = newCorrelation('late');
    const late = [auditEvent(cid), auditEvent(cid)];
    await createAuditWriter(s.pool).write(late);
    // Before the sequencer ran: the leaves are already fixed by the writer.
    await asSuperuser(s.pool, async (c) => {
      await c.query(`UPDATE audit_events SET event_data = '{"forged": true}' WHERE event_id = $1`, [
        late[0]!.event_id,
      ]);
      await c.query('DELETE FROM audit_events WHERE event_id = $1', [late[1]!.event_id]);
    });
    await s.log.runOnce();
    const now = openCheckpoint(s.log.latest()!.note, s.log.verifiers);
    const v = await verifyLog(s.pool, now, { verifiers: s.log.verifiers });
    expect(v).toMatchObject({ is_valid: false, root_matches: true, first_bad_index: 12 });
    expect(v.problems.map((p) => [p.kind, p.log_index])).toEqual([
      ['modified-event', 12],
      ['missing-event', 13],
    ]);
  });

  it('the log itself reordered and re-hashed is caught by the root and narrowed by the signed checkpoints', async () => {
    const s = await scenario(databases[6]!);
    // Swap entries 4 and 5 in the log and rebuild every derived table consistently.
    await asSuperuser(s.pool, async (c) => {
      await c.query('UPDATE audit_log_leaves SET idx = idx + 1000000 WHERE idx IN (4, 5)');
      await c.query(
        'UPDATE audit_log_leaves SET idx = CASE idx WHEN 1000004 THEN 5 ELSE 4 END WHERE idx >= 1000000',
      );
      const leaves = await c.query<{ leaf_hash: Buffer }>(
        'SELECT leaf_hash FROM audit_log_leaves ORDER BY idx',
      );
      const range = new CompactRange();
      await c.query('DELETE FROM audit_log_nodes');
      for (const l of leaves.rows) {
        for (const n of range.append(l.leaf_hash)) {
          await c.query('INSERT INTO audit_log_nodes (level, idx, hash) VALUES ($1, $2, $3)', [
            n.level,
            n.index,
            n.hash,
          ]);
        }
      }
      await c.query('UPDATE audit_log_state SET compact_range = $1', [range.hashes]);
    });
    const v = await verify(s);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({
      is_valid: false,
      root_matches: false,
      first_bad_index: 4,
      first_bad_range: [4, 8],
    });
  });
});
