/**
 * Applies the SQL migrations in this folder with node-pg-migrate: ordered files,
 * a table of applied migrations, and a PostgreSQL advisory lock so two processes
 * starting at once never both migrate. Safe to call at every start-up.
 * `npm run migrate` runs it from the command line (migrations/main.ts).
 */
import { runner } from 'node-pg-migrate';
import { projectPath } from '../lib/project-root.js';

export const MIGRATIONS_DIR = projectPath('migrations');

export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    // Only the SQL files; this runner and its tests live beside them.
    ignorePattern: '(.*\\.ts|\\..*)',
    migrationsTable: 'schema_migrations',
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
}
