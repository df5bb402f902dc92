/**
 * The audit log's read API: signed checkpoints, inclusion proofs for events and
 * consistency proofs between tree sizes (docs/audit-log.md). Everything served here
 * is checked by the client against checkpoints it trusts; nothing asks the client to
 * trust this server.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import {
  checkpointAt,
  consistencyProof,
  inclusionProof,
  latestCheckpoint,
  leafOfEvent,
  type StoredCheckpoint,
} from '../../lib/audit/log-store.js';
import { parseCheckpointText } from '../../lib/audit/note.js';
import { badRequest, notFound, ProblemError } from '../problems.js';
import {
  checkpointParams,
  checkpointResponse,
  consistencyQuery,
  consistencyResponse,
  proofParams,
  proofQuery,
  proofResponse,
} from '../schemas/audit-log.js';

const b64 = (h: Buffer) => h.toString('base64');

/** A stored checkpoint as the API shows it (the note is what to verify). */
export function checkpointJson(c: StoredCheckpoint | { note: string; tree_size: number; root_hash: Buffer }) {
  const body = parseCheckpointText(c.note.slice(0, c.note.lastIndexOf('\n\n') + 1));
  return {
    origin: body.origin,
    tree_size: c.tree_size,
    root_hash: b64(c.root_hash),
    note: c.note,
    ...('issued_at' in c ? { issued_at: c.issued_at } : {}),
  };
}

async function latestOrFail(pool: pg.Pool) {
  const latest = await latestCheckpoint(pool);
  if (!latest) throw notFound('the audit log has not issued a checkpoint yet');
  return latest;
}

export async function auditLogRoutes(app: FastifyInstance, opts: { pool: pg.Pool }) {
  const { pool } = opts;
  const reader = app.requireRole('reader');
  const common = { preHandler: reader } as const;
  const meta = { tags: ['audit'], security: [{ bearerAuth: [] }] };

  app.get(
    '/api/v1/audit/checkpoints',
    {
      ...common,
      schema: {
        ...meta,
        summary: 'The latest signed checkpoint of the audit log',
        response: { 200: checkpointResponse },
      },
    },
    async () => checkpointJson(await latestOrFail(pool)),
  );

  app.get<{ Params: { tree_size: number } }>(
    '/api/v1/audit/checkpoints/:tree_size',
    {
      ...common,
      schema: {
        ...meta,
        summary: 'The signed checkpoint of the audit log at one tree size',
        params: checkpointParams,
        response: { 200: checkpointResponse },
      },
    },
    async (req) => {
      const c = await checkpointAt(pool, req.params.tree_size);
      if (!c) throw notFound(`no checkpoint was issued at tree size ${req.params.tree_size}`);
      return checkpointJson(c);
    },
  );

  app.get<{ Querystring: { from: number; to: number } }>(
    '/api/v1/audit/checkpoints/consistency',
    {
      ...common,
      schema: {
        ...meta,
        summary:
          'Consistency proof (RFC 9162 §2.1.4) that the log of size `to` extends the log of size `from`',
        querystring: consistencyQuery,
        response: { 200: consistencyResponse },
      },
    },
    async (req) => {
      const { from, to } = req.query;
      if (from > to) throw badRequest('from is larger than to', { from: `must be at most to (${to})` });
      const latest = await latestOrFail(pool);
      if (to > latest.tree_size) {
        throw badRequest(`to is beyond the latest checkpoint (tree size ${latest.tree_size})`, {
          to: `must be at most ${latest.tree_size}`,
        });
      }
      const [proof, a, b] = await Promise.all([
        consistencyProof(pool, from, to),
        checkpointAt(pool, from),
        checkpointAt(pool, to),
      ]);
      return {
        from,
        to,
        proof: proof.map(b64),
        ...(a ? { from_checkpoint: checkpointJson(a) } : {}),
        ...(b ? { to_checkpoint: checkpointJson(b) } : {}),
      };
    },
  );

  app.get<{ Params: { event_id: string }; Querystring: { tree_size?: number } }>(
    '/api/v1/audit/events/:event_id/proof',
    {
      ...common,
      schema: {
        ...meta,
        summary:
          'Inclusion proof (RFC 9162 §2.1.3) of one event in a signed checkpoint (default: the latest)',
        params: proofParams,
        querystring: proofQuery,
        response: { 200: proofResponse },
      },
    },
    async (req) => {
      const id = req.params.event_id.toLowerCase();
      const leaf = await leafOfEvent(pool, id);
      if (!leaf) {
        const stored = await pool.query('SELECT 1 FROM audit_events WHERE event_id = $1 LIMIT 1', [id]);
        if (stored.rowCount) {
          throw new ProblemError(
            404,
            'audit/not-yet-logged',
            'Not Yet Logged',
            `event ${id} is stored but not yet in the log; it is sequenced within seconds, retry then`,
          );
        }
        throw notFound(`no audit event ${id}`);
      }
      const wanted = req.query.tree_size;
      const c = wanted === undefined ? await latestOrFail(pool) : await checkpointAt(pool, wanted);
      if (!c) {
        throw badRequest(`no checkpoint was issued at tree size ${wanted}`, {
          tree_size: 'must be the size of an issued checkpoint',
        });
      }
      if (leaf.idx >= c.tree_size) {
        const detail = `event ${id} is log entry ${leaf.idx}, after the checkpoint of size ${c.tree_size}`;
        if (wanted !== undefined) throw badRequest(detail, { tree_size: `must be larger than ${leaf.idx}` });
        throw new ProblemError(
          404,
          'audit/not-yet-logged',
          'Not Yet Logged',
          `${detail}; retry after the next one`,
        );
      }
      const proof = await inclusionProof(pool, leaf.idx, c.tree_size);
      return {
        event_id: id,
        log_index: leaf.idx,
        tree_size: c.tree_size,
        leaf_hash: b64(leaf.leaf_hash),
        inclusion_path: proof.map(b64),
        checkpoint: checkpointJson(c),
      };
    },
  );
}
