/**
 * `npm run migrate`: applies the SQL migrations as the owner role —
 * DATABASE_MIGRATION_URL, else DATABASE_URL — and lists what it applied.
 */
import { migrate } from './migrate.js';

const url = process.env.DATABASE_MIGRATION_URL || process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_MIGRATION_URL (or DATABASE_URL) is not set\n');
  process.exit(2);
}
const names = await migrate(url, (m) => process.stdout.write(`${m}\n`));
process.stdout.write(`applied ${names.length} migration(s)\n`);
