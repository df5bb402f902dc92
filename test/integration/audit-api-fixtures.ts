/** An API app on the stack's PostgreSQL with one token per role, for the audit API suites. */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { StaticToken } from '../../api/auth/static-tokens.js';
import type { AuditLog } from '../../lib/audit/log-service.js';

export const TOKENS = {
  service: 'svc-token-0123456789',
  user: 'user-token-0123456789',
  reader: 'reader-token-0123456789',
  admin: 'admin-token-0123456789',
  approver: 'approver-token-0123456789',
} as const;

const tokens: StaticToken[] = [
  {
    token: TOKENS.service,
    name: 'system:serviceaccount:kubernaut:orchestrator',
    roles: ['writer'],
    kind: 'service',
  },
  { token: TOKENS.user, name: 'alice', roles: ['writer'], kind: 'user' },
  { token: TOKENS.reader, name: 'rita', roles: ['reader'], kind: 'user' },
  { token: TOKENS.admin, name: 'counsel', roles: ['admin'], kind: 'user' },
  { token: TOKENS.approver, name: 'ann', roles: ['approver'], kind: 'user' },
];

export async function auditApp(
  pool: pg.Pool,
  over: { maxBatchSize?: number; bodyLimit?: number; auditLog?: AuditLog } = {},
): Promise<FastifyInstance> {
  const app = await buildApp({
    pool,
    auditLog: over.auditLog,
    config: { tokens, maxBatchSize: over.maxBatchSize ?? 500, bodyLimit: over.bodyLimit ?? 10 * 1024 * 1024 },
  });
  afterAll(() => app.close());
  return app;
}

export const bearer = (t: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[t]}` });
