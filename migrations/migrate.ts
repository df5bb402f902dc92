/**
 * Applies the SQL migrations in this folder with node-pg-migrate: ordered files,
 * a table of applied migrations, and a PostgreSQL advisory lock so two processes
 * starting at once never both migrate. Safe to call at every start-up.
 * `npm run migrate` runs it from the command line (migrations/main.ts).
 *
 * Migrations run as the owner role (DATABASE_MIGRATION_URL; docs/database-roles.md).
 * A process connected as a role that may not migrate (the writer) calls this too: when
 * every migration is applied already it returns without touching anything, and
 * otherwise it fails saying which are missing and who can apply them.
 */
import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { projectPath } from '../lib/project-root.js';

export const MIGRATIONS_DIR = projectPath('migrations');
const TABLE = 'schema_migrations';

/** Names of the migrations not yet applied, or undefined when that cannot be read. */
async function pending(databaseUrl: string): Promise<string[] | undefined> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''));
  const c = new pg.Client({ connectionString: databaseUrl });
  try {
    await c.connect();
    const { rows } = await c.query<{ name: string }>(`SELECT name FROM ${TABLE}`);
    const applied = new Set(rows.map((r) => r.name));
    return files.filter((f) => !applied.has(f)).sort();
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const missing = await pending(databaseUrl);
  if (missing?.length === 0) return [];
  try {
    const applied = await runner({
      databaseUrl,
      dir: MIGRATIONS_DIR,
      // Only the SQL files; this runner and its tests live beside them.
      ignorePattern: '(.*\\.ts|\\..*)',
      migrationsTable: TABLE,
      direction: 'up',
      count: Number.POSITIVE_INFINITY,
      singleTransaction: true,
      checkOrder: true,
      // Wait for a concurrent migrator rather than fail: the second process then
      // finds everything applied and does nothing.
      advisoryLockMode: 'wait',
      log,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
    return applied.map((m) => m.name);
  } catch (err) {
    if ((err as { code?: string }).code !== '42501') throw err;
    const user = decodeURIComponent(new URL(databaseUrl).username);
    throw new Error(
      `migrations ${missing ? `${missing.join(', ')} are` : 'are'} not applied and ${user} may not apply them (${(err as Error).message}): run \`npm run migrate\` with DATABASE_MIGRATION_URL naming the owner role (docs/database-roles.md)`,
    );
  }
}
