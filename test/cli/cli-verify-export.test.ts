/**
 * `kubernaut verify --export <file>`: an export from the API, checked offline with a
 * trusted key and nothing else (no API reachable, no database); each tampering
 * exits 1 naming the first bad event.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSignerKey, parseSignerKey } from '../../lib/audit/note.js';
import { type CliRun as Run, runCli } from '../harness/cli.js';
import { auditApp, bearer } from '../integration/audit-api-fixtures.js';
import { auditEvent, newCorrelation } from '../integration/audit-fixtures.js';
import { freshAuditDatabase, TEST_KEY, tempDir, testLog } from '../integration/audit-log-fixtures.js';

describe('kubernaut verify --export: offline verification of a signed export', async () => {
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const app = await auditApp(pool, { auditLog: log });
  const dir = tempDir();
  const key = parseSignerKey(TEST_KEY).verifier.text;

  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    runCli(args, {
      HOME: dir,
      XDG_STATE_HOME: dir,
      // Nothing listens here, and there is no database: the check is offline.
      KUBERNAUT_API_URL: 'http://127.0.0.1:9',
      KUBERNAUT_AUDIT_LOG_KEYS: key,
      ...env,
    });

  const cid = newCorrelation();
  const events = [0, 1, 2, 3].map((i) => auditEvent(cid, { event_data: { i } }));
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/audit/events/batch',
    payload: events,
    headers: bearer('service'),
  });
  expect(res.statusCode).toBe(201);
  const exported = await app.inject({
    method: 'GET',
    url: `/api/v1/audit/export?correlation_id=${cid}`,
    headers: bearer('reader'),
  });
  expect(exported.statusCode).toBe(200);
  const text = exported.body;
  const x = JSON.parse(text);
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const original = file('export.json', text);

  it('an untouched export verifies, saying what was checked', async () => {
    const r = await cli(['verify', '--export', original]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('export signature: verified with trusted key kubernaut.test/audit');
    expect(r.stdout).toContain(`checkpoint: signed, log ${x.checkpoint.origin}, tree size 4`);
    expect(r.stdout).toContain('events: 4 of 4 leaves recomputed and proved included in the checkpoint');
    expect(r.stdout).toContain('chains: 1 correlations, 3 links checked, 4 hashes recomputed');
    expect(r.stdout).toContain(`intact: ${original}`);
  });

  it('one byte of an event changed: exit 1 naming the event', async () => {
    const at = text.indexOf('"event_action":"transitioned"');
    expect(at).toBeGreaterThan(0);
    const changed = `${text.slice(0, at + 16)}T${text.slice(at + 17)}`;
    expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(text));
    const r = await cli(['verify', '--export', file('byte.json', changed)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `kubernaut: EXPORT VERIFICATION FAILED: event ${x.events[0].event_id} (log index ${x.proofs[0].log_index}) was changed: its content does not hash to its signed leaf\n`,
    );
    expect(r.stdout).toMatch(/^TAMPERED: 2 fault\(s\)/m);
    expect(r.stdout).toContain(
      `event ${x.events[0].event_id} at position 1 of chain ${cid}: its event_hash does not recompute from its content`,
    );
  });

  it('an event dropped: exit 1 naming it', async () => {
    const t = structuredClone(x);
    const [gone] = t.events.splice(2, 1);
    const r = await cli(['verify', '--export', file('dropped.json', JSON.stringify(t))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `event ${gone.event_id} (log index ${x.proofs[2].log_index}) is in the signed manifest but missing from the export`,
    );
  });

  it('the checkpoint swapped for a later one: exit 1', async () => {
    await app.inject({
      method: 'POST',
      url: '/api/v1/audit/events',
      payload: auditEvent(newCorrelation()),
      headers: bearer('service'),
    });
    await log.runOnce();
    const later = (
      await app.inject({ method: 'GET', url: '/api/v1/audit/checkpoints', headers: bearer('reader') })
    ).json();
    const t = {
      ...x,
      checkpoint: {
        origin: later.origin,
        tree_size: later.tree_size,
        root_hash: later.root_hash,
        note: later.note,
      },
    };
    const r = await cli(['verify', '--export', file('swapped.json', JSON.stringify(t))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /EXPORT VERIFICATION FAILED: the checkpoint was swapped: the export was signed over .* at tree size 4 .* the file carries tree size 5/,
    );
  });

  it('a wrong key: exit 1; no key at all: exit 2', async () => {
    const stranger = parseSignerKey(generateSignerKey('kubernaut.test/audit')).verifier.text;
    const wrong = await cli(['verify', '--export', original], { KUBERNAUT_AUDIT_LOG_KEYS: stranger });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /the export's signature does not verify with the trusted key\(s\) kubernaut\.test\/audit/,
    );
    const flag = await cli(['verify', '--export', original, '--log-key', key], {
      KUBERNAUT_AUDIT_LOG_KEYS: '',
    });
    expect(flag.code).toBe(0);
    const none = await cli(['verify', '--export', original], { KUBERNAUT_AUDIT_LOG_KEYS: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no trusted key/);
    expect(readFileSync(original, 'utf8')).toBe(text);
  });
});
