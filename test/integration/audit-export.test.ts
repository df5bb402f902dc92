/**
 * GET /api/v1/audit/export (issue 17 item 7): Kubernaut's signed export, with the
 * checkpoint and proofs to verify every event offline; the offline verifier
 * (lib/audit/export-verify.ts) against tampered copies.
 */
import { describe, expect, it } from 'vitest';
import type { AuditExport } from '../../lib/audit/export-format.js';
import { describeFault, verifyExport } from '../../lib/audit/export-verify.js';
import { generateSignerKey, parseSignerKey, parseVerifierKey } from '../../lib/audit/note.js';
import { auditApp, bearer } from './audit-api-fixtures.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { freshAuditDatabase, TEST_KEY, testLog } from './audit-log-fixtures.js';

const keys = [parseSignerKey(TEST_KEY).verifier];
const clone = (x: AuditExport): AuditExport => JSON.parse(JSON.stringify(x));

describe('audit export API', async () => {
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const app = await auditApp(pool, { auditLog: log });
  const get = (url: string, who: Parameters<typeof bearer>[0] = 'reader') =>
    app.inject({ method: 'GET', url, headers: bearer(who) });
  const write = async (events: ReturnType<typeof auditEvent>[]) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events/batch',
      payload: events,
      headers: bearer('service'),
    });
    expect(res.statusCode, res.body).toBe(201);
  };

  const cid = newCorrelation();
  const other = newCorrelation();
  // Interleaved correlations; the last batch is not yet sequenced when exported.
  await write([0, 1, 2].map((i) => auditEvent(cid, { event_data: { i, note: 'ünïcode ✓', n: 1.5 } })));
  await write([auditEvent(other)]);
  await log.runOnce();
  await write([3, 4].map((i) => auditEvent(cid, { event_data: { i } })));

  const exportOf = async (query: string) => {
    const res = await get(`/api/v1/audit/export?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as AuditExport;
  };

  it("exports a correlation in Kubernaut's shape, sequencing what was not yet in the log, and it verifies", async () => {
    const x = await exportOf(`correlation_id=${cid}&include_detached_signature=true`);
    expect(x.export_metadata).toMatchObject({
      export_format: 'json',
      total_events: 5,
      signature_algorithm: 'Ed25519',
      exported_by: 'rita',
      query_filters: { correlation_id: cid, offset: 0, limit: 1000 },
      has_more: false,
    });
    expect(x.events.map((e) => e.chain_position)).toEqual([1, 2, 3, 4, 5]);
    expect(x.events.every((e) => e.hash_chain_valid)).toBe(true);
    expect(x.hash_chain_verification).toMatchObject({
      total_events_verified: 5,
      valid_chain_events: 5,
      broken_chain_events: 0,
      chain_integrity_percentage: 100,
      tampered_event_ids: [],
    });
    // The two events written after the last run were sequenced for the export.
    expect(x.checkpoint.tree_size).toBe(6);
    expect(x.proofs.every((p) => p.log_index !== null)).toBe(true);
    expect(x.detached_signature).toBe(x.signed_note);
    expect(x.export_metadata.signature).toBe(/— \S+ (\S+)\n$/u.exec(x.signed_note)![1]);
    const v = verifyExport(x, keys);
    expect(v.faults).toEqual([]);
    expect(v.checked.join('\n')).toMatch(/5 of 5 leaves recomputed and proved/);
    expect(v.checked.join('\n')).toMatch(/1 correlations, 4 links checked, 5 hashes recomputed/);
  });

  it('exports a time range across correlations, paged with offset and limit', async () => {
    const all = await exportOf('start_time=2000-01-01T00:00:00Z&limit=10000');
    expect(all.events.map((e) => e.correlation_id).sort()).toEqual([cid, cid, cid, cid, cid, other].sort());
    const page = await exportOf('start_time=2000-01-01T00:00:00Z&offset=2&limit=2');
    expect(page.events.map((e) => e.event_id)).toEqual(all.events.slice(2, 4).map((e) => e.event_id));
    expect(page.export_metadata.has_more).toBe(true);
    expect(verifyExport(page, keys).ok).toBe(true);
    const none = await exportOf('end_time=2000-01-01T00:00:00Z');
    expect(none.events).toEqual([]);
    expect(verifyExport(none, keys).ok).toBe(true);
  });

  describe('the offline verifier detects tampering and names the first bad event', async () => {
    const x = await exportOf(`correlation_id=${cid}`);
    const firstFault = (t: AuditExport, k = keys) => {
      const v = verifyExport(t, k);
      expect(v.ok).toBe(false);
      return describeFault(v.faults[0]!);
    };

    it('one byte of an event changed', () => {
      const t = clone(x);
      const e = t.events[2]!;
      e.event_data = { ...e.event_data, i: 7 };
      expect(firstFault(t)).toBe(
        `event ${e.event_id} (log index ${t.proofs[2]!.log_index}) was changed: its content does not hash to its signed leaf`,
      );
      const u = clone(x);
      u.events[1]!.event_timestamp = u.events[1]!.event_timestamp.replace(/\d(?=Z$)/, (d) =>
        String((+d + 1) % 10),
      );
      expect(firstFault(u)).toMatch(new RegExp(`^event ${u.events[1]!.event_id} .*was changed`));
    });

    it('an event dropped', () => {
      const t = clone(x);
      const [dropped] = t.events.splice(3, 1);
      expect(firstFault(t)).toBe(
        `event ${dropped!.event_id} (log index ${t.proofs[3]!.log_index}) is in the signed manifest but missing from the export`,
      );
      // Dropped with its proof entry too: the signed manifest no longer matches.
      t.proofs.splice(3, 1);
      expect(firstFault(t)).toMatch(
        /list of exported events was changed after signing \(the signature covers 5; the file lists 4/,
      );
    });

    it('the checkpoint swapped for another one signed by the same key', async () => {
      await write([auditEvent(other)]);
      await log.runOnce();
      const later = (await get('/api/v1/audit/checkpoints')).json();
      const t = clone(x);
      t.checkpoint = { ...later };
      delete (t.checkpoint as { issued_at?: string }).issued_at;
      expect(firstFault(t)).toMatch(
        new RegExp(
          `^the checkpoint was swapped: the export was signed over .* at tree size ${x.checkpoint.tree_size} .*the file carries tree size ${later.tree_size}`,
        ),
      );
    });

    it('a wrong key, an unsigned change of the metadata, and an event added', () => {
      const stranger = parseVerifierKey(
        parseSignerKey(generateSignerKey('kubernaut.test/audit')).verifier.text,
      );
      expect(firstFault(x, [stranger])).toMatch(
        /^the export's signature does not verify with the trusted key\(s\) kubernaut.test\/audit/,
      );
      const t = clone(x);
      t.export_metadata.total_events = 4;
      expect(firstFault(t)).toBe('the export metadata or chain summary was changed after signing');
      const u = clone(x);
      u.events.push({ ...u.events[0]!, event_id: '00000000-0000-4000-8000-000000000000' });
      expect(firstFault(u)).toBe('event 00000000-0000-4000-8000-000000000000 is not in the signed manifest');
    });
  });

  it('refuses bad requests with problem+json: no token, a reversed range, redaction, a bad limit', async () => {
    const anon = await app.inject({ method: 'GET', url: '/api/v1/audit/export' });
    expect(anon.statusCode).toBe(401);
    const cases: [string, number, RegExp][] = [
      ['start_time=2026-02-01T00:00:00Z&end_time=2026-01-01T00:00:00Z', 400, /start_time is after end_time/],
      ['redact_pii=true', 400, /redact_pii is not supported/],
      ['limit=10001', 400, /limit/],
      ['format=csv', 400, /format/],
      ['start_time=yesterday', 400, /start_time/],
    ];
    for (const [q, status, detail] of cases) {
      const res = await get(`/api/v1/audit/export?${q}`);
      expect(res.statusCode, q).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(detail);
    }
  });

  it('answers 503 problem+json where no audit log runs, since nothing could be signed', async () => {
    const bare = await auditApp(pool);
    const res = await bare.inject({ method: 'GET', url: '/api/v1/audit/export', headers: bearer('reader') });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ type: 'https://kubernaut.ai/problems/audit/export-unavailable' });
  });
});
