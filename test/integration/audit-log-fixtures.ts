/**
 * A database of its own for audit-log suites: the log spans every event in a
 * database, and these suites tamper with it as a superuser would, so they must not
 * share the stack's database with other suites. Each call creates one owned by the
 * stack's owner role, migrates it as that role, and drops it after the file's tests.
 * `pool` connects as the superuser (these suites tamper, explicitly); `urls` has
 * the app's, the sequencer's and the owner's connections to the same database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { filePublisher } from '../../lib/audit/log-publish.js';
import { AuditLog, type AuditLogOptions } from '../../lib/audit/log-service.js';
import { generateSignerKey } from '../../lib/audit/note.js';
import { migrate } from '../../migrations/migrate.js';
import { stackInfo } from '../harness/index.js';

export interface DatabaseUrls {
  writer: string;
  sequencer: string;
  owner: string;
  admin: string;
}

export async function freshAuditDatabase(): Promise<{ pool: pg.Pool; url: string; urls: DatabaseUrls }> {
  const name = `audit_log_${randomBytes(5).toString('hex')}`;
  const s = stackInfo();
  const inDb = (base: string) => {
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const urls: DatabaseUrls = {
    writer: inDb(s.databaseUrl),
    sequencer: inDb(s.sequencerDatabaseUrl),
    owner: inDb(s.migrationDatabaseUrl),
    admin: inDb(s.adminDatabaseUrl),
  };
  const admin = new pg.Client({ connectionString: s.adminDatabaseUrl });
  await admin.connect();
  const owner = decodeURIComponent(new URL(s.migrationDatabaseUrl).username);
  await admin.query(`CREATE DATABASE ${name} OWNER ${pg.escapeIdentifier(owner)}`);
  await admin.end();
  await migrate(urls.owner);
  const url = urls.admin;
  const pool = new pg.Pool({ connectionString: url, max: 6 });
  // DROP DATABASE ... WITH (FORCE) below ends connections; that is expected here.
  pool.on('error', () => {});
  afterAll(async () => {
    await pool.end();
    const c = new pg.Client({ connectionString: stackInfo().adminDatabaseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return { pool, url, urls };
}

/** A folder removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const TEST_KEY = generateSignerKey('kubernaut.test/audit');

/** An audit log service that runs only when told (runOnce), publishing to `file`. */
export function testLog(pool: pg.Pool, over: Partial<AuditLogOptions> & { file?: string } = {}): AuditLog {
  const log = new AuditLog({
    pool,
    signingKey: TEST_KEY,
    publishers: over.file ? [filePublisher(over.file)] : [],
    log: () => {},
    ...over,
  });
  afterAll(() => log.stop());
  return log;
}

/** Runs `fn` as a superuser with every trigger of the audit and log tables off. */
export async function asSuperuser(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>) {
  const tables = ['audit_events', 'audit_log_leaves', 'audit_log_nodes', 'audit_log_checkpoints'];
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    for (const t of tables) await c.query(`ALTER TABLE ${t} DISABLE TRIGGER ALL`);
    await fn(c);
    for (const t of tables) await c.query(`ALTER TABLE ${t} ENABLE TRIGGER ALL`);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}
