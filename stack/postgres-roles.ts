/**
 * The database roles of a least-privilege setup (docs/database-roles.md), created by
 * the embedded stack as its superuser: an owner that migrations run as, and a login
 * for each group role the processes connect as (kubernaut_writer: API and worker;
 * kubernaut_sequencer: the audit log's sequencer). The group roles' privileges are
 * granted by migrations/0009, which the owner runs.
 *
 * Idempotent: roles that exist keep their privileges and get the new password, so a
 * restarted stack on kept data still connects.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface DatabaseUrls {
  /** The app's connection (DATABASE_URL): a member of kubernaut_writer. */
  url: string;
  /** The migration runner's (DATABASE_MIGRATION_URL): the owner of every object. */
  migrationUrl: string;
  /** The sequencer's (DATABASE_SEQUENCER_URL): a member of kubernaut_sequencer. */
  sequencerUrl: string;
  /** The bootstrap superuser (tests that tamper as a database administrator would). */
  adminUrl: string;
}

export const OWNER_ROLE = 'kubernaut_owner';
const LOGINS = [
  { role: 'kubernaut_app', member: 'kubernaut_writer' },
  { role: 'kubernaut_seq', member: 'kubernaut_sequencer' },
] as const;

const withUser = (base: string, user: string, password: string) => {
  const u = new URL(base);
  u.username = user;
  u.password = password;
  return u.toString();
};

/** Creates the roles and `database` owned by the owner, from a superuser's URL to any database. */
export async function createRolesAndDatabase(adminUrl: string, database: string): Promise<DatabaseUrls> {
  const pw = () => randomBytes(12).toString('hex');
  const passwords = { owner: pw(), app: pw(), seq: pw() };
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const ensure = async (role: string, password: string, extra = '') => {
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      // Identifiers and a hex password: nothing here comes from outside.
      await c.query(`${verb} ROLE ${role} LOGIN PASSWORD '${password}' ${extra}`);
    };
    for (const group of ['kubernaut_writer', 'kubernaut_sequencer']) {
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [group]);
      if (!exists.rowCount) await c.query(`CREATE ROLE ${group} NOLOGIN`);
    }
    await ensure(OWNER_ROLE, passwords.owner);
    await ensure('kubernaut_app', passwords.app);
    await ensure('kubernaut_seq', passwords.seq);
    for (const l of LOGINS) await c.query(`GRANT ${l.member} TO ${l.role}`);
    const db = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!db.rowCount) await c.query(`CREATE DATABASE ${database} OWNER ${OWNER_ROLE}`);
  } finally {
    await c.end();
  }
  const base = new URL(adminUrl);
  base.pathname = `/${database}`;
  const admin = base.toString();
  return {
    url: withUser(admin, 'kubernaut_app', passwords.app),
    migrationUrl: withUser(admin, OWNER_ROLE, passwords.owner),
    sequencerUrl: withUser(admin, 'kubernaut_seq', passwords.seq),
    adminUrl: admin,
  };
}

/** The same roles' URLs for another database of the same server (tests' own databases). */
export function urlsForDatabase(urls: DatabaseUrls, database: string): DatabaseUrls {
  const swap = (s: string) => {
    const u = new URL(s);
    u.pathname = `/${database}`;
    return u.toString();
  };
  return {
    url: swap(urls.url),
    migrationUrl: swap(urls.migrationUrl),
    sequencerUrl: swap(urls.sequencerUrl),
    adminUrl: swap(urls.adminUrl),
  };
}
