/**
 * Applies the SQL migrations in this folder with node-pg-migrate: ordered files,
 * a table of applied migrations, and a PostgreSQL advisory lock so two processes
 * starting at once never both migrate. Safe to call at every start-up.
 */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('.', import.meta.url));

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

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is not set\n');
    process.exit(2);
  }
  const names = await migrate(url, (m) => process.stdout.write(`${m}\n`));
  process.stdout.write(`applied ${names.length} migration(s)\n`);
}
