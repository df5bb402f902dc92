/**
 * GET /api/v1/audit/events (query) and POST /api/v1/audit/verify-chain.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { checkCorrelationInLog } from '../../lib/audit/log-correlation.js';
import type { AuditLog } from '../../lib/audit/log-service.js';
import { queryAuditEvents } from '../../lib/audit/query.js';
import { type ChainVerification, verifyChain } from '../../lib/audit/verify.js';
import type { ApiMetrics } from '../metrics.js';
import { badRequest, notFound } from '../problems.js';
import { queryResponse, queryString, verifyChainBody, verifyChainResponse } from '../schemas/audit.js';

const RELATIVE = /^(\d{1,6})(s|m|h|d)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "24h", "30m", "7d" (before now) or an RFC 3339 timestamp; undefined when absent. */
export function parseTimeBound(value: string | undefined, field: string, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const rel = RELATIVE.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  if (RFC3339.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw badRequest(`${field} must be RFC 3339 or relative like 30m, 24h, 7d`, {
    [field]: 'expected RFC 3339 (2025-01-02T03:04:05Z) or a relative duration (30s, 30m, 24h, 7d)',
  });
}

interface QueryString {
  correlation_id?: string;
  event_type?: string;
  event_category?: string;
  event_outcome?: string;
  severity?: string;
  since?: string;
  until?: string;
  detail_key?: string;
  detail_value?: string;
  limit?: number;
  offset?: number;
  cursor?: string;
}

export async function auditReadRoutes(
  app: FastifyInstance,
  opts: { pool: pg.Pool; hmacKey?: string; metrics: ApiMetrics; auditLog?: AuditLog },
) {
  const reader = app.requireRole('reader');

  app.get<{ Querystring: QueryString }>(
    '/api/v1/audit/events',
    {
      preHandler: reader,
      schema: {
        summary: 'Query audit events, newest first, with cursor pagination',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        querystring: queryString,
        response: { 200: queryResponse },
      },
    },
    async (req) => {
      const q = req.query;
      if ((q.detail_key === undefined) !== (q.detail_value === undefined)) {
        const missing = q.detail_key === undefined ? 'detail_key' : 'detail_value';
        throw badRequest('detail_key and detail_value must be given together', {
          [missing]: `${missing} is required`,
        });
      }
      const since = parseTimeBound(q.since, 'since');
      const until = parseTimeBound(q.until, 'until');
      if (since && until && since > until)
        throw badRequest('since is after until', { since: 'is after until' });
      return queryAuditEvents(opts.pool, { ...q, since, until });
    },
  );

  app.post<{ Body: { correlation_id: string } }>(
    '/api/v1/audit/verify-chain',
    {
      preHandler: reader,
      schema: {
        summary: 'Verify the hash chain of one correlation',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        body: verifyChainBody,
        response: { 200: verifyChainResponse },
      },
    },
    async (req) => {
      const cid = req.body.correlation_id;
      const chain = await verifyChain(opts.pool, cid, { hmacKey: opts.hmacKey });
      const result = await withLog(opts.pool, opts.auditLog, chain);
      opts.metrics.chainVerifications.inc({ result: result.is_valid ? 'valid' : 'invalid' });
      if (result.total_events === 0 && result.pruned_events === 0 && !result.missing_log_indexes?.length) {
        throw notFound(`no audit events for correlation_id ${cid}`);
      }
      return result;
    },
  );
}

interface LogFields {
  log_consistent: boolean;
  log_tree_size: number;
  missing_log_indexes: number[];
  unsequenced_events: number;
}

/**
 * Adds the log's view to a chain verification: entries the log holds for the
 * correlation must still have their unchanged rows and be in the latest signed
 * checkpoint. A correlation deleted whole has no rows, but the log remembers it.
 */
async function withLog(
  pool: pg.Pool,
  log: AuditLog | undefined,
  chain: ChainVerification,
): Promise<ChainVerification & Partial<LogFields>> {
  const latest = log?.latest();
  if (!latest) return chain;
  const check = await checkCorrelationInLog(pool, chain.correlation_id, {
    origin: latest.origin,
    size: latest.tree_size,
    root: latest.root_hash,
  });
  const listed = new Set(chain.tampered_events.map((t) => t.event_id));
  const extra = check.faults
    .filter((f) => !listed.has(f.event_id))
    .map((f) => ({
      event_id: f.event_id,
      chain_position: f.chain_position,
      expected_hash: f.leaf_hash,
      actual_hash: '',
      previous_hash: '',
      message: f.message,
      log_index: f.log_index,
    }));
  const valid = chain.is_valid && check.log_consistent;
  const missing = check.missing_log_indexes;
  return {
    ...chain,
    is_valid: valid,
    tampered_events: [...chain.tampered_events, ...extra],
    log_consistent: check.log_consistent,
    log_tree_size: check.log_tree_size,
    missing_log_indexes: missing,
    unsequenced_events: check.unsequenced_events,
    message:
      chain.total_events === 0 && missing.length > 0
        ? `no audit rows for correlation_id ${chain.correlation_id}, but the log shows ${missing.length} event(s) once existed: sequence numbers ${missing.join(', ')}`
        : valid || check.log_consistent
          ? chain.message
          : `${chain.message}; the log disagrees: ${check.faults.length} entr${check.faults.length === 1 ? 'y' : 'ies'} fail`,
  };
}
