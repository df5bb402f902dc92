/**
 * Group commit (lib/audit/group-commit.ts): single writes that arrive while others
 * are in PostgreSQL go in one batch, and every caller gets the answer it would have
 * had writing alone — its rows stored, its duplicates named, its own error.
 */
import { describe, expect, it } from 'vitest';
import { groupCommits } from '../../lib/audit/group-commit.js';
import { AuditConflictError } from '../../lib/audit/idempotency.js';
import { createAuditWriter, verifyChain } from '../../lib/audit/index.js';
import type { AuditEventInput, AuditWriter } from '../../lib/audit/types.js';
import { auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

describe('audit group commit', () => {
  const pool = auditPool();
  /** The writer underneath, counting the batches it is handed. */
  const counted = () => {
    const inner = createAuditWriter(pool);
    const batches: number[] = [];
    const writer: AuditWriter = {
      write(events: AuditEventInput[]) {
        batches.push(events.length);
        return inner.write(events);
      },
    };
    return { writer, batches };
  };
  const stored = async (ids: string[]) =>
    (
      await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_events WHERE event_id = ANY($1::uuid[])',
        [ids],
      )
    ).rows[0]!.n;

  it('a lone write with nothing in flight goes at once, in a batch of its own', async () => {
    const { writer, batches } = counted();
    const e = auditEvent(newCorrelation());
    const res = await groupCommits(writer).write([e]);
    expect(res).toEqual({ event_ids: [e.event_id], inserted: 1, duplicate_event_ids: [] });
    expect(batches).toEqual([1]);
  });

  it('60 concurrent single writes on 3 chains → fewer batches, every caller its own row, the chains valid', async () => {
    const { writer, batches } = counted();
    const grouped = groupCommits(writer, { maxInFlight: 1 });
    const cids = [newCorrelation(), newCorrelation(), newCorrelation()];
    const events = Array.from({ length: 60 }, (_, i) => auditEvent(cids[i % 3]!, { event_data: { n: i } }));
    const results = await Promise.all(events.map((e) => grouped.write([e])));
    for (const [i, r] of results.entries())
      expect(r).toEqual({ event_ids: [events[i]!.event_id], inserted: 1, duplicate_event_ids: [] });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(60);
    expect(batches.length).toBeLessThan(60);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect(await stored(events.map((e) => e.event_id))).toBe(60);
    for (const cid of cids)
      expect(await verifyChain(pool, cid)).toMatchObject({
        is_valid: true,
        total_events: 20,
        verified_events: 20,
      });
  });

  it('one caller re-sending a stored event, in a group → it hears "already stored", the others "created"', async () => {
    const { writer } = counted();
    const grouped = groupCommits(writer, { maxInFlight: 1 });
    const cid = newCorrelation();
    const before = auditEvent(cid);
    await createAuditWriter(pool).write([before]);
    const fresh = Array.from({ length: 5 }, () => auditEvent(cid));
    const [again, ...others] = await Promise.all([before, ...fresh].map((e) => grouped.write([e])));
    expect(again).toEqual({
      event_ids: [before.event_id],
      inserted: 0,
      duplicate_event_ids: [before.event_id],
    });
    for (const r of others) expect(r.inserted).toBe(1);
    expect(await verifyChain(pool, cid)).toMatchObject({ is_valid: true, total_events: 6 });
  });

  it('one caller whose id is stored with other content, in a group → it alone gets the conflict; the others are stored', async () => {
    const { writer, batches } = counted();
    const grouped = groupCommits(writer, { maxInFlight: 1 });
    const cid = newCorrelation();
    const first = auditEvent(cid);
    await createAuditWriter(pool).write([first]);
    const clash = { ...first, event_data: { other: 'content' } };
    const fresh = Array.from({ length: 5 }, () => auditEvent(cid));
    // One write in flight first, so the rest queue behind it and form one batch.
    const outcomes = await Promise.allSettled(
      [fresh[0]!, clash, ...fresh.slice(1)].map((e) => grouped.write([e])),
    );
    const [lead, clashed, ...rest] = outcomes;
    expect(lead!.status).toBe('fulfilled');
    expect(clashed!.status).toBe('rejected');
    expect((clashed as PromiseRejectedResult).reason).toBeInstanceOf(AuditConflictError);
    for (const o of rest) expect(o).toMatchObject({ status: 'fulfilled', value: { inserted: 1 } });
    // The grouped batch (the clash and four more) failed whole, and each was written again alone.
    expect(batches.some((n) => n === 5)).toBe(true);
    expect(await stored(fresh.map((e) => e.event_id))).toBe(5);
    expect(await verifyChain(pool, cid)).toMatchObject({ is_valid: true, total_events: 6 });
  });

  it('a row PostgreSQL refuses, in a group → that caller fails; the others are stored', async () => {
    const grouped = groupCommits(counted().writer, { maxInFlight: 1 });
    const cid = newCorrelation();
    const good = Array.from({ length: 4 }, () => auditEvent(cid));
    const bad = auditEvent(cid, { event_outcome: 'maybe' as 'success' });
    const outcomes = await Promise.allSettled(
      [good[0]!, bad, ...good.slice(1)].map((e) => grouped.write([e])),
    );
    expect(outcomes[1]!.status).toBe('rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
    expect(await stored(good.map((e) => e.event_id))).toBe(4);
    expect(await stored([bad.event_id])).toBe(0);
  });

  it('two callers sending the same event at once → never in one batch: one stores it, the other hears "already stored"', async () => {
    const { writer, batches } = counted();
    const grouped = groupCommits(writer, { maxInFlight: 1 });
    const cid = newCorrelation();
    const e = auditEvent(cid);
    const [lead, a, b] = await Promise.all([auditEvent(cid), e, { ...e }].map((x) => grouped.write([x])));
    expect(lead!.inserted).toBe(1);
    expect([a!.inserted, b!.inserted].sort()).toEqual([0, 1]);
    expect(await stored([e.event_id])).toBe(1);
    expect(batches.reduce((x, y) => x + y, 0)).toBe(3);
  });

  it('an event without an id gets one, and a batch larger than a small write goes on its own', async () => {
    const { writer, batches } = counted();
    const grouped = groupCommits(writer, { maxCallEvents: 2 });
    const cid = newCorrelation();
    const { event_id: _, ...noId } = auditEvent(cid);
    const r = await grouped.write([noId]);
    expect(r.event_ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.inserted).toBe(1);
    const big = [auditEvent(cid), auditEvent(cid), auditEvent(cid)];
    expect((await grouped.write(big)).inserted).toBe(3);
    expect(batches).toEqual([1, 3]);
  });
});
