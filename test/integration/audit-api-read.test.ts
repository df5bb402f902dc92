import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/index.js';
import { auditApp, bearer } from './audit-api-fixtures.js';
import { adminPool, auditEvent, auditPool, newCorrelation, withTriggersDisabled } from './audit-fixtures.js';

describe('audit read API', async () => {
  const pool = auditPool();
  // Tampering behind the API is a superuser's doing, explicitly.
  const admin = adminPool();
  const app = await auditApp(pool);
  const writer = createAuditWriter(pool);
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const get = (query: Record<string, string | number>, who: Parameters<typeof bearer>[0] = 'reader') =>
    app.inject({ method: 'GET', url: '/api/v1/audit/events', query: stringify(query), headers: bearer(who) });
  const stringify = (q: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));

  describe('filters', async () => {
    const cid = newCorrelation('filters');
    const events = [
      auditEvent(cid, {
        event_timestamp: ago(180),
        event_type: 'gateway.signal.received',
        event_category: 'gateway',
        event_data: { task_id: 'a-1' },
      }),
      auditEvent(cid, {
        event_timestamp: ago(60),
        event_outcome: 'failure',
        severity: 'warning',
        event_data: { task_id: 'b-2', attempts: 3 },
      }),
      auditEvent(cid, {
        event_timestamp: ago(1),
        event_type: 'orchestrator.lifecycle.completed',
        event_data: {},
      }),
    ];
    await writer.write(events);
    const ids = (i: number[]) => i.map((k) => events[k]!.event_id);

    const cases: [string, Record<string, string | number>, number[]][] = [
      ['correlation_id (newest first)', {}, [2, 1, 0]],
      ['event_type', { event_type: 'gateway.signal.received' }, [0]],
      ['event_category', { event_category: 'orchestration' }, [2, 1]],
      ['event_outcome', { event_outcome: 'failure' }, [1]],
      ['severity', { severity: 'warning' }, [1]],
      ['since, relative', { since: '2h' }, [2, 1]],
      ['since, relative minutes', { since: '30m' }, [2]],
      ['since, RFC 3339', { since: ago(90) }, [2, 1]],
      ['until, RFC 3339', { until: ago(30) }, [1, 0]],
      ['since and until together', { since: '2h', until: ago(30) }, [1]],
      ['detail_key + detail_value (string)', { detail_key: 'task_id', detail_value: 'b-2' }, [1]],
      ['detail_key + detail_value (number by its text)', { detail_key: 'attempts', detail_value: '3' }, [1]],
    ];
    it.each(cases)('%s', async (_what, query, expected) => {
      const res = await get({ correlation_id: cid, ...query });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.map((e: { event_id: string }) => e.event_id)).toEqual(ids(expected));
      expect(res.json().pagination).toMatchObject({
        total: expected.length,
        has_more: false,
        next_cursor: null,
      });
    });

    it('returns stored events in the wire format with their chain fields', async () => {
      const res = await get({ correlation_id: cid, event_type: 'gateway.signal.received' });
      expect(res.json().data[0]).toMatchObject({
        ...events[0],
        chain_position: 1,
        hash_algorithm: 'sha256',
        legal_hold: false,
        event_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    const bad: [string, Record<string, string | number>, string][] = [
      ['detail_key without detail_value', { detail_key: 'task_id' }, 'detail_value'],
      ['detail_value without detail_key', { detail_value: 'x' }, 'detail_key'],
      ['a detail_key with SQL in it', { detail_key: "x' OR '1'='1", detail_value: 'x' }, 'detail_key'],
      ['limit 0', { limit: 0 }, 'limit'],
      ['limit 1001', { limit: 1001 }, 'limit'],
      ['a negative offset', { offset: -1 }, 'offset'],
      ['an unparseable since', { since: 'last tuesday' }, 'since'],
      ['an unknown outcome', { event_outcome: 'meh' }, 'event_outcome'],
      ['a forged cursor', { cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'],
      ['an unknown parameter', { colour: 'red' }, 'querystring'],
    ];
    it.each(bad)('refuses %s with a 400 problem', async (_what, query, field) => {
      const res = await get({ correlation_id: cid, ...query });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(Object.keys(res.json().field_errors)).toContain(field);
    });

    it('needs a token to read', async () => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/audit/events?correlation_id=${cid}` });
      expect(res.statusCode).toBe(401);
      expect((await get({ correlation_id: cid }, 'approver')).statusCode).toBe(200);
    });
  });

  it('pages through with the cursor without gaps or repeats while new events arrive', async () => {
    const cid = newCorrelation('pages');
    const original = Array.from({ length: 23 }, (_, i) => auditEvent(cid, { event_timestamp: ago(100 - i) }));
    // Two events share a timestamp: the event_id tie-breaker keeps the order total.
    original[5]!.event_timestamp = original[6]!.event_timestamp;
    await writer.write(original);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await get({ correlation_id: cid, limit: 5, ...(cursor ? { cursor } : {}) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.data.map((e: { event_id: string }) => e.event_id));
      await writer.write([auditEvent(cid)]); // newer than everything paged so far
      cursor = body.pagination.next_cursor ?? undefined;
      if (!body.pagination.has_more) break;
    }
    const newestFirst = [...original]
      .sort(
        (a, b) => b.event_timestamp.localeCompare(a.event_timestamp) || b.event_id.localeCompare(a.event_id),
      )
      .map((e) => e.event_id);
    expect(seen).toEqual(newestFirst);
  });

  it('keeps offset pagination for Kubernaut clients', async () => {
    const cid = newCorrelation('offset');
    await writer.write(
      Array.from({ length: 12 }, (_, i) => auditEvent(cid, { event_timestamp: ago(50 - i) })),
    );
    const res = await get({ correlation_id: cid, limit: 5, offset: 10 });
    expect(res.json().data).toHaveLength(2);
    expect(res.json().pagination).toMatchObject({ limit: 5, offset: 10, total: 12, has_more: false });
  });

  describe('verify-chain', () => {
    const verify = (correlation_id: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/audit/verify-chain',
        payload: { correlation_id },
        headers: bearer('reader'),
      });

    it('reports an intact chain', async () => {
      const cid = newCorrelation();
      await writer.write([auditEvent(cid), auditEvent(cid)]);
      const res = await verify(cid);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        correlation_id: cid,
        is_valid: true,
        total_events: 2,
        verified_events: 2,
        tampered_events: [],
      });
    });

    it('reports a row modified behind the API', async () => {
      const cid = newCorrelation();
      const events = [auditEvent(cid), auditEvent(cid), auditEvent(cid)];
      await writer.write(events);
      await withTriggersDisabled(admin, async (c) => {
        await c.query(`UPDATE audit_events SET event_outcome = 'failure' WHERE event_id = $1`, [
          events[1]!.event_id,
        ]);
      });
      const body = (await verify(cid)).json();
      expect(body).toMatchObject({ is_valid: false, total_events: 3, verified_events: 2 });
      expect(body.tampered_events.map((t: { event_id: string }) => t.event_id)).toEqual([
        events[1]!.event_id,
      ]);
    });

    it('reports a deleted row', async () => {
      const cid = newCorrelation();
      const events = [auditEvent(cid), auditEvent(cid), auditEvent(cid)];
      await writer.write(events);
      await admin.query('DELETE FROM audit_events WHERE event_id = $1', [events[0]!.event_id]);
      const body = (await verify(cid)).json();
      expect(body).toMatchObject({ is_valid: false, total_events: 2 });
      expect(body.tampered_events[0]).toMatchObject({ event_id: events[1]!.event_id });
    });

    it('answers 404 for a correlation without events and 400 without correlation_id', async () => {
      expect((await verify(newCorrelation())).statusCode).toBe(404);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/verify-chain',
        payload: {},
        headers: bearer('reader'),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().field_errors).toHaveProperty('correlation_id');
    });
  });

  describe('legal hold', () => {
    it('an admin places, lists and releases a hold; the rows follow', async () => {
      const cid = newCorrelation();
      await writer.write([auditEvent(cid), auditEvent(cid)]);
      const placed = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/legal-hold',
        payload: { correlation_id: cid, reason: 'SEC inquiry' },
        headers: bearer('admin'),
      });
      expect(placed.statusCode).toBe(200);
      expect(placed.json()).toMatchObject({
        correlation_id: cid,
        events_affected: 2,
        placed_by: 'counsel',
        reason: 'SEC inquiry',
      });
      await expect(admin.query('DELETE FROM audit_events WHERE correlation_id = $1', [cid])).rejects.toThrow(
        /legal hold/,
      );

      const list = (
        await app.inject({ method: 'GET', url: '/api/v1/audit/legal-hold', headers: bearer('admin') })
      ).json();
      expect(list.holds).toContainEqual(expect.objectContaining({ correlation_id: cid, events_affected: 2 }));
      expect(list.total).toBe(list.holds.length);

      // A release says why (Kubernaut's release_reason): without one it is a 400 and the hold stays.
      for (const payload of [undefined, {}, { release_reason: '  ' }]) {
        const refused = await app.inject({
          method: 'DELETE',
          url: `/api/v1/audit/legal-hold/${cid}`,
          headers: bearer('admin'),
          ...(payload ? { payload } : {}),
        });
        expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
        expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      }
      const before = Date.now();
      const released = await app.inject({
        method: 'DELETE',
        url: `/api/v1/audit/legal-hold/${cid}`,
        headers: bearer('admin'),
        payload: { release_reason: 'case closed' },
      });
      expect(released.statusCode).toBe(200);
      // The two events and the release's own (written while the hold was still on).
      expect(released.json()).toMatchObject({
        correlation_id: cid,
        events_released: 3,
        released_by: 'counsel',
        release_reason: 'case closed',
      });

      // The release is in the trail: who (the token's identity, not a claimed one), why, when.
      const trail = await app.inject({
        method: 'GET',
        url: `/api/v1/audit/events?correlation_id=${cid}&event_type=datastorage.legalhold.released`,
        headers: bearer('reader'),
      });
      const [event, ...more] = trail.json().data;
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        event_id: released.json().event_id,
        event_category: 'security',
        event_action: 'released',
        actor_type: 'user',
        actor_id: 'counsel',
        correlation_id: cid,
        event_data: {
          release_reason: 'case closed',
          released_by: 'counsel',
          hold_reason: 'SEC inquiry',
          hold_placed_by: 'counsel',
        },
      });
      expect(Date.parse(event.event_timestamp)).toBeGreaterThanOrEqual(before - 1000);
      const chain = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/verify-chain',
        payload: { correlation_id: cid },
        headers: bearer('reader'),
      });
      expect(chain.json()).toMatchObject({ is_valid: true, total_events: 3 });

      const again = await app.inject({
        method: 'DELETE',
        url: `/api/v1/audit/legal-hold/${cid}`,
        headers: bearer('admin'),
        payload: { release_reason: 'case closed' },
      });
      expect(again.statusCode).toBe(404);
    });

    it('needs the admin role and existing events', async () => {
      const payload = { correlation_id: newCorrelation(), reason: 'x' };
      const asWriter = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/legal-hold',
        payload,
        headers: bearer('user'),
      });
      expect(asWriter.statusCode).toBe(403);
      const none = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/legal-hold',
        payload,
        headers: bearer('admin'),
      });
      expect(none.statusCode).toBe(404);
    });
  });

  describe('operations', () => {
    it('/healthz and /readyz answer without a token', async () => {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks).toEqual({ postgres: { status: 'ok', ms: expect.any(Number) } });
    });

    it('/readyz is a 503 problem when PostgreSQL does not answer', async () => {
      const deadPool = new pg.Pool({
        connectionString: 'postgres://nobody@127.0.0.1:1/none',
        connectionTimeoutMillis: 500,
      });
      const down = await auditApp(deadPool);
      const res = await down.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 503,
        title: 'Service Unavailable',
        checks: { postgres: { status: 'failed', error: expect.any(String) } },
      });
      expect(res.json().detail).toMatch(/^postgres: /);
      await deadPool.end();
    });

    it('/metrics counts requests by route, events written and verifications', async () => {
      const cid = newCorrelation();
      await app.inject({
        method: 'POST',
        url: '/api/v1/audit/events',
        payload: auditEvent(cid),
        headers: bearer('service'),
      });
      await app.inject({
        method: 'POST',
        url: '/api/v1/audit/verify-chain',
        payload: { correlation_id: cid },
        headers: bearer('reader'),
      });
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toMatch(
        /kubernaut_http_requests_total\{method="POST",route="\/api\/v1\/audit\/events",status="201"\} [1-9]/,
      );
      expect(text).toMatch(
        /kubernaut_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/audit\/events"/,
      );
      expect(text).toMatch(/kubernaut_audit_events_written_total [1-9]/);
      expect(text).toMatch(/kubernaut_audit_chain_verifications_total\{result="valid"\} [1-9]/);
    });

    it('/docs serves the OpenAPI document generated from the route schemas', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/audit/events',
          '/api/v1/audit/events/batch',
          '/api/v1/audit/verify-chain',
        ]),
      );
    });

    it('unknown routes are a 404 problem', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });
  });
});
