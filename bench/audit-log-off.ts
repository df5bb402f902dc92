/**
 * The audit log switched off, for one reference measurement: the same API and writer,
 * with `audit_append` replaced by a copy that inserts the events without queueing
 * them for the log (derived from the migration that defines it, so it never drifts),
 * and no sequencer. The real function is put back afterwards, whatever happens.
 * Only the bench's own database is touched, as its owner; this mode exists nowhere else.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { BenchContext } from './context.js';

const MIGRATION = new URL('../migrations/0012_audit-log-queue-per-batch.sql', import.meta.url);
const QUEUED_CTE =
  /,\n {2}queued AS \([\s\S]*?\n {4}RETURNING cardinality\(event_ids\) AS n\)\n {2}SELECT coalesce\(sum\(n\), 0\) INTO inserted FROM queued;/;

function functionSql(): { withLog: string; withoutLog: string } {
  const text = readFileSync(MIGRATION, 'utf8');
  const withLog = text.slice(
    text.indexOf('CREATE OR REPLACE FUNCTION audit_append('),
    text.indexOf('-- Down Migration'),
  );
  if (!QUEUED_CTE.test(withLog)) throw new Error(`${MIGRATION.pathname}: the queue insert was not found`);
  return { withLog, withoutLog: withLog.replace(QUEUED_CTE, '\n  SELECT count(*) INTO inserted FROM ins;') };
}

export async function withAuditLogOff<T>(ctx: BenchContext, fn: () => Promise<T>): Promise<T> {
  const sql = functionSql();
  const owner = new pg.Pool({ connectionString: ctx.migrationDatabaseUrl, max: 1 });
  try {
    await owner.query(sql.withoutLog);
    try {
      return await fn();
    } finally {
      await owner.query(sql.withLog);
    }
  } finally {
    await owner.end();
  }
}
