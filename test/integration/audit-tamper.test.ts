import { describe, expect, it } from 'vitest';
import { createAuditWriter, placeLegalHold, releaseLegalHold, verifyChain } from '../../lib/audit/index.js';
import { adminPool, auditEvent, auditPool, newCorrelation, withTriggersDisabled } from './audit-fixtures.js';

// The app writes as the writer role; what is done behind its back is done as a
// superuser, explicitly (the writer role is refused it outright: audit-roles.test.ts).
describe('audit tamper evidence', () => {
  const pool = auditPool();
  const admin = adminPool();
  const writer = createAuditWriter(pool);

  async function chainOfFour() {
    const cid = newCorrelation();
    const events = [0, 1, 2, 3].map((i) => auditEvent(cid, { event_data: { step: i } }));
    await writer.write(events);
    return { cid, ids: events.map((e) => e.event_id!) };
  }

  it('the database refuses an UPDATE of a core column, even to a superuser while the triggers are on', async () => {
    const { ids } = await chainOfFour();
    await expect(
      admin.query(`UPDATE audit_events SET event_outcome = 'failure' WHERE event_id = $1`, [ids[1]]),
    ).rejects.toThrow(/append-only/);
    await expect(
      admin.query(`UPDATE audit_events SET event_data = '{"step": 99}' WHERE event_id = $1`, [ids[1]]),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('verify-chain names a row changed behind the API, and only that row', async () => {
    const { cid, ids } = await chainOfFour();
    await withTriggersDisabled(admin, async (c) => {
      await c.query(`UPDATE audit_events SET event_data = '{"step": 99}' WHERE event_id = $1`, [ids[2]]);
    });
    const v = await verifyChain(pool, cid);
    expect(v.is_valid).toBe(false);
    expect(v.total_events).toBe(4);
    expect(v.verified_events).toBe(3);
    expect(v.tampered_events).toHaveLength(1);
    expect(v.tampered_events[0]).toMatchObject({ event_id: ids[2], chain_position: 3 });
    expect(v.tampered_events[0]!.message).toMatch(/does not match the stored content/);
    expect(v.tampered_events[0]!.expected_hash).not.toBe(v.tampered_events[0]!.actual_hash);
  });

  it('verify-chain detects a deleted row as a gap before the next row', async () => {
    const { cid, ids } = await chainOfFour();
    await admin.query('DELETE FROM audit_events WHERE event_id = $1', [ids[1]]);
    const v = await verifyChain(pool, cid);
    expect(v.is_valid).toBe(false);
    expect(v.total_events).toBe(3);
    expect(v.tampered_events.map((t) => t.event_id)).toEqual([ids[2]]);
    expect(v.tampered_events[0]!.message).toMatch(/positions 2\.\.2 are missing/);
    expect(v.tampered_events[0]!.message).toMatch(/previous_event_hash does not match/);
  });

  it('a re-hashed forgery still breaks the link to the next row', async () => {
    const { cid, ids } = await chainOfFour();
    // A forger who rewrites a row's hash too still leaves the following link pointing at the old hash.
    await withTriggersDisabled(admin, async (c) => {
      await c.query(`UPDATE audit_events SET event_hash = repeat('a', 64) WHERE event_id = $1`, [ids[0]]);
    });
    const v = await verifyChain(pool, cid);
    expect(v.tampered_events.map((t) => t.event_id)).toEqual([ids[0], ids[1]]);
  });

  it('a DELETE of a row under legal hold is refused, even to a superuser; after release it goes through', async () => {
    const { cid, ids } = await chainOfFour();
    const hold = await placeLegalHold(pool, {
      correlationId: cid,
      reason: 'litigation',
      placedBy: 'counsel',
    });
    expect(hold).toMatchObject({ correlation_id: cid, events_affected: 4, placed_by: 'counsel' });
    await expect(admin.query('DELETE FROM audit_events WHERE event_id = $1', [ids[0]])).rejects.toThrow(
      /legal hold/,
    );
    const released = await releaseLegalHold(pool, writer, {
      correlationId: cid,
      releasedBy: 'counsel',
      reason: 'case closed',
    });
    // The four and the release's own event, written while the hold was on.
    expect(released).toMatchObject({ correlation_id: cid, events_released: 5 });
    const del = await admin.query('DELETE FROM audit_events WHERE event_id = $1', [ids[0]]);
    expect(del.rowCount).toBe(1);
  });

  it('a legal hold on a correlation without events is not placed', async () => {
    expect(
      await placeLegalHold(pool, { correlationId: newCorrelation(), reason: 'x', placedBy: 'y' }),
    ).toBeNull();
  });
});
