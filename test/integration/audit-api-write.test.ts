import { describe, expect, it } from 'vitest';
import { auditApp, bearer } from './audit-api-fixtures.js';
import { auditEvent, auditPool, newCorrelation } from './audit-fixtures.js';

describe('audit write API', async () => {
  const pool = auditPool();
  const app = await auditApp(pool, { maxBatchSize: 5, bodyLimit: 512 * 1024 });
  const post = (url: string, payload: unknown, who: Parameters<typeof bearer>[0] = 'service') =>
    app.inject({ method: 'POST', url, payload: payload as object, headers: bearer(who) });
  const rowOf = async (id: string) =>
    (await pool.query('SELECT actor_id, actor_type, event_data FROM audit_events WHERE event_id = $1', [id]))
      .rows[0];

  it('POST /events stores one event and answers 201 with its id and timestamp', async () => {
    const e = auditEvent(newCorrelation());
    const res = await post('/api/v1/audit/events', e);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      event_id: e.event_id,
      event_timestamp: e.event_timestamp,
      message: 'audit event created',
      already_stored: false,
    });
    expect(await rowOf(e.event_id!)).toMatchObject({ actor_id: 'remediation-orchestrator' });
  });

  it('POST /events twice with one event_id stores it once', async () => {
    const e = auditEvent(newCorrelation());
    await post('/api/v1/audit/events', e);
    const again = await post('/api/v1/audit/events', e);
    expect(again.statusCode).toBe(201);
    expect(again.json().message).toBe('audit event already stored');
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM audit_events WHERE event_id = $1', [
      e.event_id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('POST /events/batch answers the ids in input order, including assigned ones', async () => {
    const cid = newCorrelation();
    const { event_id: _, ...noId } = auditEvent(cid);
    const [first, last] = [auditEvent(cid), auditEvent(cid)];
    const batch = [first, noId, last];
    const res = await post('/api/v1/audit/events/batch', batch);
    expect(res.statusCode).toBe(201);
    const ids = res.json().event_ids as string[];
    expect(ids).toHaveLength(3);
    expect([ids[0], ids[2]]).toEqual([first.event_id, last.event_id]);
    const { rows } = await pool.query(
      'SELECT event_id::text FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
      [cid],
    );
    expect(rows.map((r) => r.event_id)).toEqual(ids);
  });

  it("a person's authenticated name replaces the actor_id they claim, which is kept in event_data", async () => {
    const e = auditEvent(newCorrelation(), { actor_id: 'bob', actor_type: 'user' });
    expect((await post('/api/v1/audit/events', e, 'user')).statusCode).toBe(201);
    const row = await rowOf(e.event_id!);
    expect(row.actor_id).toBe('alice');
    expect(row.event_data.claimed_actor_id).toBe('bob');
  });

  it('accepts Kubernaut nullable optionals sent as null', async () => {
    const e = { ...auditEvent(newCorrelation()), namespace: null, parent_event_id: null, duration_ms: null };
    expect((await post('/api/v1/audit/events', e)).statusCode).toBe(201);
  });

  describe('refuses bad writes with a problem+json 4xx and stores nothing', () => {
    const cid = newCorrelation('bad');
    const minutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
    const deep = (n: number): Record<string, unknown> => (n <= 1 ? { leaf: true } : { d: deep(n - 1) });
    const cases: [string, string, unknown, number, string][] = [
      [
        'a missing required field',
        '/api/v1/audit/events',
        { ...auditEvent(cid), event_action: undefined },
        400,
        'event_action',
      ],
      [
        'an unknown event_category',
        '/api/v1/audit/events',
        auditEvent(cid, { event_category: 'weather' }),
        400,
        'event_category',
      ],
      [
        'an invalid outcome',
        '/api/v1/audit/events',
        auditEvent(cid, { event_outcome: 'meh' as 'success' }),
        400,
        'event_outcome',
      ],
      [
        'a timestamp 2 hours ahead',
        '/api/v1/audit/events',
        auditEvent(cid, { event_timestamp: minutes(120) }),
        400,
        'event_timestamp',
      ],
      [
        'a timestamp 8 days old',
        '/api/v1/audit/events',
        auditEvent(cid, { event_timestamp: minutes(-8 * 1440) }),
        400,
        'event_timestamp',
      ],
      [
        'a non-RFC 3339 timestamp',
        '/api/v1/audit/events',
        auditEvent(cid, { event_timestamp: 'yesterday' }),
        400,
        'event_timestamp',
      ],
      [
        'event_data deeper than 10',
        '/api/v1/audit/events',
        auditEvent(cid, { event_data: deep(11) }),
        400,
        'event_data',
      ],
      [
        'event_data over 256 KB',
        '/api/v1/audit/events',
        auditEvent(cid, { event_data: { blob: 'x'.repeat(300_000) } }),
        400,
        'event_data',
      ],
      [
        'event_data.event_type unlike event_type',
        '/api/v1/audit/events',
        auditEvent(cid, { event_data: { event_type: 'gateway.signal.received' } }),
        400,
        'event_data.event_type',
      ],
      [
        'a NUL byte in a string',
        '/api/v1/audit/events',
        auditEvent(cid, { event_data: { s: 'a\u0000b' } }),
        400,
        '',
      ],
      ['an empty batch', '/api/v1/audit/events/batch', [], 400, 'body'],
      ['an object instead of an array', '/api/v1/audit/events/batch', auditEvent(cid), 400, 'body'],
      [
        'a batch over the configured maximum',
        '/api/v1/audit/events/batch',
        Array.from({ length: 6 }, () => auditEvent(cid)),
        400,
        'body',
      ],
      [
        'a batch with one bad event',
        '/api/v1/audit/events/batch',
        [auditEvent(cid), auditEvent(cid, { event_timestamp: minutes(120) })],
        400,
        '[1].event_timestamp',
      ],
    ];
    it.each(cases)('%s', async (_what, url, payload, status, field) => {
      const res = await post(url, payload);
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({
        status,
        type: expect.stringMatching(/^https:\/\/kubernaut\.ai\/problems\//),
      });
      expect(body.instance).toMatch(new RegExp(`${url.replaceAll('/', '\\/')}$`));
      if (field) expect(Object.keys(body.field_errors ?? {})).toContain(field);
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM audit_events WHERE correlation_id = $1',
        [cid],
      );
      expect(rows[0].n).toBe(0);
    });

    it('malformed JSON is a 400 problem', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/events',
        payload: '{"version": ',
        headers: { ...bearer('service'), 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    });

    it('a body over the size limit is a 413 problem', async () => {
      const res = await post(
        '/api/v1/audit/events',
        auditEvent(cid, { event_data: { blob: 'x'.repeat(600_000) } }),
      );
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ status: 413, title: 'Payload Too Large' });
    });

    it('a non-JSON content type is a 415 problem', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/events',
        payload: 'version=1.0',
        headers: { ...bearer('service'), 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ status: 415 });
    });

    it('no token is 401, a bad token is 401, a reader is 403', async () => {
      const e = auditEvent(cid);
      const none = await app.inject({ method: 'POST', url: '/api/v1/audit/events', payload: e });
      expect(none.statusCode).toBe(401);
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/v1/audit/events',
        payload: e,
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.statusCode).toBe(401);
      const reader = await post('/api/v1/audit/events', e, 'reader');
      expect(reader.statusCode).toBe(403);
      expect(reader.json()).toMatchObject({ status: 403, title: 'Forbidden' });
    });
  });
});
