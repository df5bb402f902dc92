/** Shared by the audit suites: a pool on the stack's PostgreSQL and event builders. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import type { AuditEventInput } from '../../lib/audit/types.js';
import { stackInfo, uniqueName } from '../harness/index.js';

/** A pool as the app connects: the writer role (INSERT and SELECT on the audit tables). */
export function auditPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 8 });
  afterAll(() => pool.end());
  return pool;
}

/** A superuser's pool, for tests that tamper as a database administrator would. */
export function adminPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: stackInfo().adminDatabaseUrl, max: 4 });
  afterAll(() => pool.end());
  return pool;
}

export const newCorrelation = (prefix = 'rr') => uniqueName(prefix);

/** A valid orchestrator event; `over` replaces any field. */
export function auditEvent(
  correlationId: string,
  over: Partial<AuditEventInput> = {},
): AuditEventInput & { event_id: string } {
  return {
    event_id: randomUUID(),
    version: '1.0',
    event_type: 'orchestrator.lifecycle.transitioned',
    event_timestamp: new Date().toISOString(),
    event_category: 'orchestration',
    event_action: 'transitioned',
    event_outcome: 'success',
    actor_type: 'service',
    actor_id: 'remediation-orchestrator',
    resource_type: 'RemediationRequest',
    resource_id: correlationId,
    correlation_id: correlationId,
    namespace: 'default',
    severity: 'critical',
    event_data: {
      event_type: 'orchestrator.lifecycle.transitioned',
      from_phase: 'Pending',
      to_phase: 'Processing',
    },
    ...over,
  };
}

/** Runs `fn` with the append-only and legal-hold triggers off, as a superuser could. */
export async function withTriggersDisabled(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>) {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await fn(c);
    await c.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}
