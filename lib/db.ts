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

/** Node's codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True when `err` says PostgreSQL could not be reached or dropped the connection —
 * a fault of the moment, worth a retry (the API answers 503) — rather than a
 * refusal of the statement: a network error, SQLSTATE class 08 (connection
 * exception), 57P01–57P03 (shutting down, starting up), 53300 (too many
 * connections), or pg's own connection-lost and connect-timeout errors (no code).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300')
    return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /^(Connection terminated|timeout exceeded when trying to connect)/.test(message);
}
