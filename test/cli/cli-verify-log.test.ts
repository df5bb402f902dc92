/**
 * `kubernaut verify` keeps the last checkpoint it accepted and proves on every run
 * that the log only grew; a log that shrank or was rewritten (even re-signed with
 * the real key) fails loudly, and keeps failing.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { statePath } from '../../cli/audit-log.js';
import { createAuditWriter } from '../../lib/audit/index.js';
import { AuditLog } from '../../lib/audit/log-service.js';
import { CompactRange } from '../../lib/audit/merkle.js';
import { checkpointText, generateSignerKey, parseSignerKey, signNote } from '../../lib/audit/note.js';
import { type CliRun as Run, runCli } from '../harness/cli.js';
import { auditEvent, newCorrelation } from '../integration/audit-fixtures.js';
import {
  asSuperuser,
  freshAuditDatabase,
  TEST_KEY,
  tempDir,
  testLog,
} from '../integration/audit-log-fixtures.js';

describe('kubernaut verify: the audit log only grows', async () => {
  const { pool } = await freshAuditDatabase();
  const log = testLog(pool);
  const app = await buildApp({
    pool,
    auditLog: log,
    config: {
      bodyLimit: 1024 * 1024,
      maxBatchSize: 10,
      tokens: [{ token: 'cli-reader', name: 'rita', roles: ['reader'], kind: 'user' }],
    },
  });
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  afterAll(() => app.close());
  const state = tempDir();
  const writer = createAuditWriter(pool);
  const key = parseSignerKey(TEST_KEY).verifier.text;
  const cid = newCorrelation();

  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    runCli(args, {
      HOME: state,
      XDG_STATE_HOME: state,
      KUBERNAUT_API_URL: apiUrl,
      KUBERNAUT_API_TOKEN: 'cli-reader',
      KUBERNAUT_AUDIT_LOG_KEYS: key,
      ...env,
    });
  const kept = () => JSON.parse(readFileSync(statePath(apiUrl, { XDG_STATE_HOME: state }), 'utf8'));

  const grow = async (n: number) => {
    await writer.write(Array.from({ length: n }, () => auditEvent(cid)));
    await log.runOnce();
  };

  it('keeps the first checkpoint, then proves consistency as the log grows; a correlation is still verified', async () => {
    await grow(3);
    const first = await cli(['verify', cid]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^valid: 3\/3 events verified/);
    expect(first.stdout).toMatch(/first checkpoint kept: 3 entries/);
    expect(kept()).toMatchObject({ tree_size: 3, keys: [key] });

    await grow(4);
    const second = await cli(['verify', '-o', 'json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).log).toMatchObject({ tree_size: 7, previous_tree_size: 3 });
    expect(kept().tree_size).toBe(7);
    const same = await cli(['verify']);
    expect(same.stdout).toMatch(/unchanged since .*: 7 entries/);
  });

  it('refuses a checkpoint not signed by a trusted key', async () => {
    const other = parseSignerKey(generateSignerKey('kubernaut.test/audit')).verifier.text;
    const r = await cli(['verify'], { KUBERNAUT_AUDIT_LOG_KEYS: other });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AUDIT LOG CHECK FAILED: .*not signed by any trusted key/);
  });

  it('a log rewritten and re-signed with the real key fails loudly, and the kept checkpoint stays', async () => {
    // Full host compromise: swap two entries, rebuild the tree, sign it anew with the key.
    await asSuperuser(pool, async (c) => {
      await c.query('UPDATE audit_log_leaves SET idx = idx + 1000000 WHERE idx IN (1, 2)');
      await c.query(
        'UPDATE audit_log_leaves SET idx = CASE idx WHEN 1000001 THEN 2 ELSE 1 END WHERE idx >= 1000000',
      );
      await c.query('DELETE FROM audit_log_nodes');
      await c.query('DELETE FROM audit_log_checkpoints');
      const range = new CompactRange();
      const leaves = await c.query<{ leaf_hash: Buffer }>(
        'SELECT leaf_hash FROM audit_log_leaves ORDER BY idx',
      );
      for (const l of leaves.rows) {
        for (const n of range.append(l.leaf_hash)) {
          await c.query('INSERT INTO audit_log_nodes (level, idx, hash) VALUES ($1, $2, $3)', [
            n.level,
            n.index,
            n.hash,
          ]);
        }
      }
      await c.query('UPDATE audit_log_state SET compact_range = $1', [range.hashes]);
    });
    const forger = new AuditLog({ pool, signingKey: TEST_KEY, log: () => {} });
    await writer.write([auditEvent(cid)]);
    await forger.runOnce();
    await forger.stop();
    expect(forger.latest()!.tree_size).toBe(8);

    for (let i = 0; i < 2; i++) {
      const r = await cli(['verify']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/AUDIT LOG CHECK FAILED: the log of 8 entries does not extend the one of 7/);
      expect(kept().tree_size).toBe(7);
    }
  });

  it('a log that shrank fails loudly', async () => {
    // The newest checkpoints removed; the latest left is one of size 5, really signed.
    const leaves = await pool.query<{ leaf_hash: Buffer }>(
      'SELECT leaf_hash FROM audit_log_leaves WHERE idx < 5 ORDER BY idx',
    );
    const range = new CompactRange();
    for (const l of leaves.rows) range.append(l.leaf_hash);
    const note = signNote(checkpointText({ origin: await log.origin(), size: 5, root: range.root() }), [
      parseSignerKey(TEST_KEY),
    ]);
    await asSuperuser(pool, async (c) => {
      await c.query('DELETE FROM audit_log_checkpoints');
      await c.query('INSERT INTO audit_log_checkpoints (tree_size, root_hash, note) VALUES (5, $1, $2)', [
        range.root(),
        note,
      ]);
    });
    const r = await cli(['verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the log shrank from 7 to 5 entries/);
  });
});
