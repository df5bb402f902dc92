/**
 * The PostgreSQL pool every process uses. pg emits 'error' when the server closes a
 * connection (a restart, a failover, an administrator); unhandled, that event kills
 * the process — the reliability suite's outage test found it. Logged instead: the pool opens a new
 * connection on next use, and callers retry their work (activities durably).
 */
import pg from 'pg';

export function createPool(
  connectionString: string,
  opts: { max?: number; log?: (msg: string) => void } = {},
): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  const log = opts.log ?? ((m: string) => process.stderr.write(`[db] ${m}\n`));
  pool.on('error', (err) =>
    log(`idle PostgreSQL connection lost (${err.message}); reconnecting on next use`),
  );
  // A checked-out client (e.g. inside the audit writer's transaction) that loses its
  // server between queries emits 'error' on itself, not on the pool: log it too. Its
  // next query fails, the caller retries, and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => log(`PostgreSQL connection in use lost (${err.message})`));
  });
  return pool;
}
