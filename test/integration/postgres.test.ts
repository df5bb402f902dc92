import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../migrations/migrate.js';
import { stackInfo } from '../harness/index.js';

describe('PostgreSQL of the stack', () => {
  const pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 4 });
  afterAll(() => pool.end());

  it('has the migrations applied and recorded', async () => {
    const { rows } = await pool.query('SELECT name FROM schema_migrations ORDER BY run_on');
    expect(rows.map((r) => r.name)).toContain('0001_audit-events');
    const t = await pool.query("SELECT to_regclass('public.audit_events') AS t");
    expect(t.rows[0].t).toBe('audit_events');
  });

  it('answers a query round trip with the values sent', async () => {
    const { rows } = await pool.query('SELECT $1::text || $2::text AS joined, $3::int * 2 AS doubled', [
      'kube',
      'rnaut',
      21,
    ]);
    expect(rows[0]).toEqual({ joined: 'kubernaut', doubled: 42 });
  });

  it('creates audit partitions for the month it was migrated in and three ahead, and no default partition', async () => {
    const { rows } = await pool.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname`,
    );
    // From the migration's time, not the test's: a run that starts before midnight at
    // a month's end and gets here after it is a month further on (CI, 2026-12-01).
    // The months after are the audit maintenance schedule's to create.
    const { rows: months } = await pool.query<{ name: string }>(
      `SELECT format('audit_events_%s', to_char(date_trunc('month', run_on) + make_interval(months => k), 'YYYY_MM')) AS name
       FROM schema_migrations, generate_series(0, 3) AS k WHERE name = '0001_audit-events' ORDER BY k`,
    );
    const expected = months.map((m) => m.name);
    expect(expected).toHaveLength(4);
    const names = rows.map((r) => r.relname);
    for (const p of expected) expect(names).toContain(p);
    const def = await pool.query(
      `SELECT count(*)::int AS n FROM pg_partitioned_table WHERE partrelid = 'audit_events'::regclass AND partdefid <> 0`,
    );
    expect(def.rows[0].n).toBe(0);
  });

  it('migrating again, from two processes at once, applies nothing twice', async () => {
    const [a, b] = await Promise.all([migrate(stackInfo().databaseUrl), migrate(stackInfo().databaseUrl)]);
    expect([...a, ...b]).toEqual([]);
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM schema_migrations WHERE name = '0001_audit-events'",
    );
    expect(rows[0].n).toBe(1);
  });
});
