/**
 * Idempotency by content (issue 17 item 5): an event id stored with the same content
 * is "already stored"; with other content it is a 409 naming the id, and a batch
 * holding one stores nothing. Also the workflow's own ids: a retried step is stored
 * once, and a step of a run is audited once whatever a retried task brings back.
 */
import { describe, expect, it } from 'vitest';
import { writeWithDerivedId, writeWorkflowEvent } from '../../lib/audit/derived-id.js';
import { AuditConflictError } from '../../lib/audit/idempotency.js';
import { deterministicEventId } from '../../lib/audit/ids.js';
import { type AuditWriterOptions, createAuditWriter, verifyChain } from '../../lib/audit/index.js';
import { auditApp, bearer } from './audit-api-fixtures.js';
import { auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

const countOf = async (pool: ReturnType<typeof auditPool>, cid: string) =>
  (await pool.query('SELECT count(*)::int AS n FROM audit_events WHERE correlation_id = $1', [cid])).rows[0]
    .n as number;

describe('audit write API: idempotency by content', async () => {
  const pool = auditPool();
  const app = await auditApp(pool, { maxBatchSize: 10 });
  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers: bearer('service') });

  it('the same id with the same content answers 201 "already stored" and keeps one row', async () => {
    const cid = newCorrelation();
    const e = auditEvent(cid, { retention_days: 2555 });
    expect((await post('/api/v1/audit/events', e)).json()).toMatchObject({ already_stored: false });
    // Same content as stored: an absent optional equals null, the default retention equals 2555,
    // the timestamp is compared as stored (UTC, milliseconds).
    const { retention_days: _, ...same } = e;
    const again = await post('/api/v1/audit/events', {
      ...same,
      event_timestamp: e.event_timestamp.replace('Z', '+00:00'),
      error_code: null,
    });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({
      event_id: e.event_id,
      message: 'audit event already stored',
      already_stored: true,
    });
    expect(await countOf(pool, cid)).toBe(1);
  });

  it('the same id with different content answers 409 problem+json naming the id and the fields', async () => {
    const cid = newCorrelation();
    const e = auditEvent(cid);
    await post('/api/v1/audit/events', e);
    const res = await post('/api/v1/audit/events', {
      ...e,
      event_outcome: 'failure',
      event_data: { ...e.event_data, to_phase: 'Failed' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json();
    expect(p).toMatchObject({
      type: 'https://kubernaut.ai/problems/audit/event-id-conflict',
      status: 409,
      conflicting_event_ids: [e.event_id],
    });
    expect(p.detail).toContain(e.event_id);
    expect(p.field_errors.event_id).toMatch(/event_outcome, event_data/);
    // The stored event is untouched.
    const row = (await pool.query('SELECT event_outcome FROM audit_events WHERE event_id = $1', [e.event_id]))
      .rows[0];
    expect(row.event_outcome).toBe('success');
  });

  it('a batch names the ids that were duplicates and stores the new ones', async () => {
    const cid = newCorrelation();
    const [a, b, c] = [auditEvent(cid), auditEvent(cid), auditEvent(cid)];
    await post('/api/v1/audit/events/batch', [a]);
    const res = await post('/api/v1/audit/events/batch', [a, b, c, b]);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.event_ids).toEqual([a.event_id, b.event_id, c.event_id, b.event_id]);
    expect([...body.duplicate_event_ids].sort()).toEqual([a.event_id, b.event_id].sort());
    expect(body.message).toBe('2 of 4 audit events created; 2 already stored');
    expect(await countOf(pool, cid)).toBe(3);
    expect((await verifyChain(pool, cid)).is_valid).toBe(true);
  });

  it('a batch holding a conflicting id answers 409 naming it and where, and stores nothing of the batch', async () => {
    const cid = newCorrelation();
    const stored = auditEvent(cid);
    await post('/api/v1/audit/events', stored);
    const fresh = auditEvent(cid);
    const res = await post('/api/v1/audit/events/batch', [
      fresh,
      { ...stored, severity: 'low' },
      auditEvent(cid),
    ]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      conflicting_event_ids: [stored.event_id],
      field_errors: { '[1].event_id': `event ${stored.event_id} is stored with different severity` },
    });
    expect(await countOf(pool, cid)).toBe(1);
    const none = await pool.query('SELECT 1 FROM audit_events WHERE event_id = $1', [fresh.event_id]);
    expect(none.rowCount).toBe(0);
  });

  it('one id twice in a batch with different content is a 409 too', async () => {
    const cid = newCorrelation();
    const e = auditEvent(cid);
    const res = await post('/api/v1/audit/events/batch', [e, { ...e, event_action: 'other' }]);
    expect(res.statusCode).toBe(409);
    expect(res.json().field_errors).toEqual({
      '[0].event_id': `event ${e.event_id} is stored with different event_action`,
      '[1].event_id': `event ${e.event_id} is stored with different event_action`,
    });
    expect(await countOf(pool, cid)).toBe(0);
  });
});

describe.each([
  ['fast path', {}],
  ['locked path', { fastRounds: 0 }],
] as [string, AuditWriterOptions][])('audit writer idempotency (%s)', (_path, options) => {
  const pool = auditPool();
  const writer = createAuditWriter(pool, options);

  it('refuses an id stored in another correlation, naming the differing fields', async () => {
    const e = auditEvent(newCorrelation());
    await writer.write([e]);
    const other = newCorrelation();
    const err = await writer.write([{ ...e, correlation_id: other }]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AuditConflictError);
    expect((err as AuditConflictError).conflicts).toEqual([
      {
        event_id: e.event_id,
        fields: ['correlation_id'],
        stored: expect.objectContaining({ correlation_id: e.correlation_id }),
      },
    ]);
    expect(await countOf(pool, other)).toBe(0);
  });

  it('concurrent writes of one id: the same content is stored once, other content is refused', async () => {
    const cid = newCorrelation();
    const e = auditEvent(cid);
    const writers = [1, 2, 3, 4].map(() => createAuditWriter(pool, options));
    const same = await Promise.all(writers.map((w) => w.write([e])));
    expect(same.map((r) => r.inserted).sort()).toEqual([0, 0, 0, 1]);
    expect(same.filter((r) => r.duplicate_event_ids.includes(e.event_id))).toHaveLength(3);

    const f = auditEvent(cid);
    const results = await Promise.allSettled(
      writers.map((w, i) => w.write([{ ...f, event_data: { ...f.event_data, writer: i } }])),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AuditConflictError);
    }
    expect(await countOf(pool, cid)).toBe(2);
    expect((await verifyChain(pool, cid)).is_valid).toBe(true);
  });
});

describe('workflow audit events: each step of a run is audited once', () => {
  const pool = auditPool();
  const writer = createAuditWriter(pool);
  const ref = (cid: string, over: Parameters<typeof auditEvent>[1] = {}) => ({
    workflowId: `wf-${cid}`,
    runId: 'run-1',
    seq: 3,
    event: (({ event_id: _, ...e }) => e)(auditEvent(cid, over)),
  });

  it('an activity retry with the same input stores the event once under its sequence id', async () => {
    const cid = newCorrelation();
    const r = ref(cid);
    const ids = [await writeWorkflowEvent(writer, r), await writeWorkflowEvent(writer, r)];
    const id = deterministicEventId(r.workflowId, r.runId, r.seq);
    expect(ids).toEqual([id, id]);
    expect(await countOf(pool, cid)).toBe(1);
  });

  it('the same step after a lost workflow task (a later clock) keeps the first record', async () => {
    const cid = newCorrelation();
    const first = ref(cid, {
      duration_ms: 1200,
      event_data: {
        event_type: 'orchestrator.lifecycle.transitioned',
        phase_start_time: new Date().toISOString(),
      },
    });
    await writeWorkflowEvent(writer, first);
    // The retried task's clock is later everywhere: the timestamp, the data's phase start, the duration.
    const t = new Date(Date.now() + 1500).toISOString();
    const later = {
      ...first,
      event: {
        ...first.event,
        event_timestamp: t,
        duration_ms: 2700,
        event_data: { ...first.event.event_data, phase_start_time: t },
      },
    };
    expect(await writeWorkflowEvent(writer, later)).toBe(deterministicEventId(first.workflowId, 'run-1', 3));
    expect(await countOf(pool, cid)).toBe(1);
  });

  it('another event at the same sequence number (a discarded task that took another path) finds the first record standing: one step, audited once', async () => {
    const cid = newCorrelation();
    const first = ref(cid);
    await writeWorkflowEvent(writer, first);
    const other = ref(cid, {
      event_outcome: 'failure',
      event_data: { event_type: first.event.event_type, x: 1 },
    });
    expect(await writeWorkflowEvent(writer, other)).toBe(deterministicEventId(first.workflowId, 'run-1', 3));
    const { rows } = await pool.query(
      'SELECT event_outcome FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
      [cid],
    );
    expect(rows.map((r) => r.event_outcome)).toEqual(['success']);
  });

  it('a repeated delivery (clock is not the same step) is stored alongside, and its retry once', async () => {
    const cid = newCorrelation();
    const { event_id: _, ...first } = auditEvent(cid);
    const parts = ['nr-uid', 'slack', 1];
    const o = { clockIsSameStep: false };
    const a = await writeWithDerivedId(writer, parts, first, o);
    const again = { ...first, event_timestamp: new Date(Date.now() + 2000).toISOString() };
    const b = await writeWithDerivedId(writer, parts, again, o);
    expect(b).not.toBe(a);
    expect(await writeWithDerivedId(writer, parts, again, o)).toBe(b);
    expect(await writeWithDerivedId(writer, parts, first, o)).toBe(a);
    expect(await countOf(pool, cid)).toBe(2);
  });
});
