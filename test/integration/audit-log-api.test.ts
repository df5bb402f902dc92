import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventLeafHash } from '../../lib/audit/log-entry.js';
import { verifyConsistency, verifyInclusion } from '../../lib/audit/merkle.js';
import { openCheckpoint } from '../../lib/audit/note.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from '../../lib/audit/rows.js';
import { auditApp, bearer } from './audit-api-fixtures.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { asSuperuser, freshAuditDatabase, testLog } from './audit-log-fixtures.js';

const b = (s: string) => Buffer.from(s, 'base64');

describe('audit log API', async () => {
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const app = await auditApp(pool, { auditLog: log });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer('reader') });
  const write = async (events: ReturnType<typeof auditEvent>[]) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events/batch',
      payload: events,
      headers: bearer('service'),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  const cid = newCorrelation();
  const first = [0, 1, 2].map((i) => auditEvent(cid, { event_data: { i } }));
  await write(first);
  await log.runOnce();
  const second = [3, 4, 5, 6].map((i) => auditEvent(cid, { event_data: { i } }));
  await write(second);
  await log.runOnce();

  const expectProblem = (
    res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
    status: number,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status,
      type: expect.stringMatching(/^https:\/\/kubernaut.ai\/problems\//),
    });
  };

  it('write answers carry the latest signed checkpoint (additive)', async () => {
    const one = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events',
      payload: auditEvent(newCorrelation()),
      headers: bearer('service'),
    });
    expect(one.statusCode).toBe(201);
    const c = one.json().checkpoint;
    expect(c).toMatchObject({ tree_size: 7, origin: await log.origin() });
    expect(openCheckpoint(c.note, log.verifiers)).toMatchObject({ size: 7, root: b(c.root_hash) });
    const batch = await write([auditEvent(newCorrelation())]);
    expect(batch.checkpoint.tree_size).toBe(7);
  });

  it('GET /metrics reports the log size and that signing is not refused', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/^kubernaut_audit_log_tree_size 7$/m);
    expect(res.body).toMatch(/^kubernaut_audit_log_signing_refused 0$/m);
  });

  it('GET /checkpoints gives the latest and any issued size', async () => {
    const latest = (await get('/api/v1/audit/checkpoints')).json();
    expect(latest.tree_size).toBe(7);
    expect(latest.issued_at).toEqual(expect.any(String));
    const three = await get('/api/v1/audit/checkpoints/3');
    expect(three.statusCode).toBe(200);
    expect(openCheckpoint(three.json().note, log.verifiers).size).toBe(3);
    expectProblem(await get('/api/v1/audit/checkpoints/4'), 404);
    expectProblem(await get('/api/v1/audit/checkpoints/abc'), 400);
    expectProblem(await get('/api/v1/audit/checkpoints/-1'), 400);
    expect((await app.inject({ method: 'GET', url: '/api/v1/audit/checkpoints' })).statusCode).toBe(401);
  });

  it('an inclusion proof verifies against the signed root, for the latest or a given checkpoint', async () => {
    const { rows } = await pool.query<DbAuditRow>(
      `SELECT ${STORED_COLUMNS} FROM audit_events WHERE event_id = $1`,
      [first[1]!.event_id],
    );
    const leaf = eventLeafHash(fromDb(rows[0]!) as never);
    for (const url of [
      `/api/v1/audit/events/${first[1]!.event_id}/proof`,
      `/api/v1/audit/events/${first[1]!.event_id}/proof?tree_size=3`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(200);
      const p = res.json();
      const c = openCheckpoint(p.checkpoint.note, log.verifiers);
      expect(b(p.leaf_hash)).toEqual(leaf);
      expect(p.log_index).toBe(1);
      expect(verifyInclusion(p.log_index, c.size, leaf, p.inclusion_path.map(b), c.root)).toBe(true);
    }
  });

  it('proof requests with bad input get problems, never a 500', async () => {
    const last = second[3]!.event_id;
    expectProblem(await get('/api/v1/audit/events/00000000-0000-4000-8000-000000000000/proof'), 404);
    expectProblem(await get('/api/v1/audit/events/not-a-uuid/proof'), 400);
    expectProblem(await get(`/api/v1/audit/events/${last}/proof?tree_size=0`), 400);
    expectProblem(await get(`/api/v1/audit/events/${last}/proof?tree_size=5`), 400);
    expectProblem(await get(`/api/v1/audit/events/${last}/proof?tree_size=3`), 400);
    expectProblem(await get(`/api/v1/audit/events/${last}/proof?tree_size=99999999999999999999`), 400);
    expectProblem(await get(`/api/v1/audit/events/${last}/proof?bogus=1`), 400);
    // Stored but not yet sequenced: a 404 that says so.
    const fresh = auditEvent(newCorrelation());
    await write([fresh]);
    const res = await get(`/api/v1/audit/events/${fresh.event_id}/proof`);
    expectProblem(res, 404);
    expect(res.json().type).toMatch(/not-yet-logged/);
  });

  it('a consistency proof between two checkpoints verifies; bad sizes get 400 problems', async () => {
    const res = await get('/api/v1/audit/checkpoints/consistency?from=3&to=7');
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json();
    const from = openCheckpoint(p.from_checkpoint.note, log.verifiers);
    const to = openCheckpoint(p.to_checkpoint.note, log.verifiers);
    expect(verifyConsistency(3, 7, p.proof.map(b), from.root, to.root)).toBe(true);
    expect((await get('/api/v1/audit/checkpoints/consistency?from=0&to=7')).json().proof).toEqual([]);
    for (const q of [
      'from=7&to=3',
      'from=3&to=8000',
      'from=3',
      'to=3',
      'from=a&to=3',
      'from=-1&to=3',
      'from=1.5&to=3',
    ]) {
      expectProblem(await get(`/api/v1/audit/checkpoints/consistency?${q}`), 400);
    }
  });

  it('hostile path segments and query values get 4xx answers, never a 500', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        '0',
        '-1',
        '1e3',
        '9007199254740993',
        '%00',
        '../../etc/passwd',
        "1' OR '1'='1",
        first[0]!.event_id.toUpperCase(),
      ),
    );
    const e = (v: string) => encodeURIComponent(v);
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (a, b, c) => {
        for (const url of [
          `/api/v1/audit/events/${e(a)}/proof?tree_size=${e(b)}`,
          `/api/v1/audit/events/${first[0]!.event_id}/proof?tree_size=${e(c)}`,
          `/api/v1/audit/checkpoints/${e(a)}`,
          `/api/v1/audit/checkpoints/consistency?from=${e(b)}&to=${e(c)}`,
        ]) {
          const res = await get(url);
          expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
        }
      }),
      { numRuns: 150, seed: 9162 },
    );
  });

  it('verify-chain reports log_consistent, and a correlation deleted whole is invalid with its sequence numbers, not 404', async () => {
    const verify = (correlation_id: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/audit/verify-chain',
        payload: { correlation_id },
        headers: bearer('reader'),
      });
    const ok = (await verify(cid)).json();
    expect(ok).toMatchObject({
      is_valid: true,
      log_consistent: true,
      log_tree_size: 7,
      missing_log_indexes: [],
    });

    await asSuperuser(pool, (c) =>
      c.query('DELETE FROM audit_events WHERE correlation_id = $1', [cid]).then(),
    );
    const gone = await verify(cid);
    expect(gone.statusCode).toBe(200);
    expect(gone.json()).toMatchObject({
      is_valid: false,
      total_events: 0,
      log_consistent: false,
      missing_log_indexes: [0, 1, 2, 3, 4, 5, 6],
    });
    expect(gone.json().tampered_events).toHaveLength(7);
    expect(gone.json().tampered_events[0]).toMatchObject({ log_index: 0, chain_position: 1 });
    expect(gone.json().message).toMatch(/once existed/);
    expectProblem(await verify(newCorrelation('never')), 404);
  });
});
