import { describe, expect, it } from 'vitest';
import { applyRetention, createAuditWriter, placeLegalHold, verifyChain } from '../../lib/audit/index.js';
import { adminPool, auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

describe('audit retention', () => {
  // Retention runs as the app's role, through audit_apply_retention (migrations/0009).
  const pool = auditPool();
  const admin = adminPool();
  const writer = createAuditWriter(pool);
  const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
  const count = async (cid: string) =>
    (await pool.query('SELECT count(*)::int AS n FROM audit_events WHERE correlation_id = $1', [cid])).rows[0]
      .n;

  it('deletes rows past their retention in batches, by category policy, and keeps the chain verifiable', async () => {
    const cid = newCorrelation();
    // A category of this test's own: the policy table is shared by the whole database.
    const category = `test-${cid}`;
    await writer.write([
      auditEvent(cid, { event_timestamp: daysAgo(40), event_category: 'gateway', retention_days: 30 }),
      auditEvent(cid, { event_timestamp: daysAgo(40), event_category: 'gateway', retention_days: 30 }),
      auditEvent(cid, { event_timestamp: daysAgo(40), event_category: 'gateway', retention_days: 30 }),
      // Kept by its own retention_days (default 2555), until the owner's policy says otherwise.
      auditEvent(cid, { event_timestamp: daysAgo(40), event_category: category }),
      auditEvent(cid, { event_timestamp: daysAgo(1), event_category: 'gateway', retention_days: 30 }),
    ]);
    const res = await applyRetention(pool, { batchSize: 2, correlationIds: [cid] });
    expect(res).toEqual({ deleted: 3, byCategory: { gateway: 3 }, batches: 2 });
    expect(await count(cid)).toBe(2);
    const v = await verifyChain(pool, cid);
    expect(v).toMatchObject({ is_valid: true, total_events: 2, verified_events: 2, pruned_events: 3 });

    // The owner's category policy overrides the rows' own retention; the app cannot set it.
    await admin.query('INSERT INTO audit_retention_policy (event_category, retention_days) VALUES ($1, 10)', [
      category,
    ]);
    const policy = await applyRetention(pool, { correlationIds: [cid] });
    await admin.query('DELETE FROM audit_retention_policy WHERE event_category = $1', [category]);
    expect(policy.byCategory).toEqual({ [category]: 1 });
    expect(await count(cid)).toBe(1);
    expect((await verifyChain(pool, cid)).is_valid).toBe(true);

    // The chain goes on across pruned rows.
    await writer.write([auditEvent(cid)]);
    expect(await verifyChain(pool, cid)).toMatchObject({ is_valid: true, total_events: 2 });
  });

  it("a time later than the server's now is not taken: the app cannot expire rows early", async () => {
    const cid = newCorrelation();
    await writer.write([auditEvent(cid, { event_timestamp: daysAgo(1), retention_days: 30 })]);
    const res = await applyRetention(pool, {
      correlationIds: [cid],
      now: new Date(Date.now() + 365 * 86_400_000),
    });
    expect(res.deleted).toBe(0);
    expect(await count(cid)).toBe(1);
  });

  it('never touches rows under legal hold', async () => {
    const cid = newCorrelation();
    await writer.write([auditEvent(cid, { event_timestamp: daysAgo(6), retention_days: 1 })]);
    await placeLegalHold(pool, { correlationId: cid, reason: 'audit', placedBy: 'counsel' });
    const res = await applyRetention(pool, { correlationIds: [cid] });
    expect(res.deleted).toBe(0);
    expect(await count(cid)).toBe(1);
  });

  it('tombstones cannot be removed to hide a pruned row, even by a superuser while the trigger is on', async () => {
    const cid = newCorrelation();
    await writer.write([
      auditEvent(cid, { event_timestamp: daysAgo(3), retention_days: 1 }),
      auditEvent(cid),
    ]);
    expect((await applyRetention(pool, { correlationIds: [cid] })).deleted).toBe(1);
    await expect(
      admin.query('DELETE FROM audit_retention_tombstones WHERE correlation_id = $1', [cid]),
    ).rejects.toThrow(/append-only/);
  });
});
