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

  it('creates audit partitions for this month and three ahead, and no default partition', async () => {
    const { rows } = await pool.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname`,
    );
    const now = new Date();
    const expected = [0, 1, 2, 3].map((k) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k, 1));
      return `audit_events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    });
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
