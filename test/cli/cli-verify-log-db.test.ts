/** `kubernaut verify-log`: an auditor with read access to the database and a kept checkpoint. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/index.js';
import { parseSignerKey } from '../../lib/audit/note.js';
import { runCli } from '../harness/cli.js';
import { auditEvent, newCorrelation } from '../integration/audit-fixtures.js';
import {
  asSuperuser,
  freshAuditDatabase,
  TEST_KEY,
  tempDir,
  testLog,
} from '../integration/audit-log-fixtures.js';

describe('kubernaut verify-log', async () => {
  const { pool, url } = await freshAuditDatabase();
  const log = testLog(pool);
  const dir = tempDir();
  const key = parseSignerKey(TEST_KEY).verifier.text;

  const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    runCli(args, {
      HOME: dir,
      XDG_STATE_HOME: dir,
      KUBERNAUT_AUDIT_LOG_KEYS: key,
      DATABASE_URL: url,
    });

  it('passes an intact log and names a deleted row by its sequence number', async () => {
    const cid = newCorrelation();
    const events = [0, 1, 2, 3].map((i) => auditEvent(cid, { event_data: { i } }));
    await createAuditWriter(pool).write(events);
    await log.runOnce();
    const file = join(dir, 'kept.checkpoint');
    writeFileSync(file, log.latest()!.note);

    const ok = await cli(['verify-log', '--checkpoint', file]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^intact: log intact: 4 entries match the checkpoint/);

    await asSuperuser(pool, (c) =>
      c.query('DELETE FROM audit_events WHERE event_id = $1', [events[2]!.event_id]).then(),
    );
    const broken = await cli(['verify-log', '--checkpoint', file, '-o', 'json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      is_valid: false,
      first_bad_index: 2,
      problems: [{ kind: 'missing-event', log_index: 2, event_id: events[2]!.event_id }],
    });
    const noCheckpoint = await cli(['verify-log']);
    expect(noCheckpoint.code).toBe(2);
  });

  it('audit-log-keygen prints a signing key and the verifier key that goes with it', async () => {
    const r = await cli(['audit-log-keygen', 'example.com/audit']);
    expect(r.code).toBe(0);
    const [signing, verifier] = r.stdout.trim().split('\n');
    const key = signing!.replace(/^AUDIT_LOG_SIGNING_KEY=/, '');
    expect(parseSignerKey(key).verifier.text).toBe(verifier!.replace(/^KUBERNAUT_AUDIT_LOG_KEYS=/, ''));
    expect((await cli(['audit-log-keygen', 'has space'])).code).toBe(2);
  });
});
