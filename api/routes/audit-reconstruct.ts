/**
 * POST /api/v1/audit/remediation-requests/{correlation_id}/reconstruct (DESIGN §8):
 * the RemediationRequest rebuilt from its audit rows, as YAML, with its validation
 * and, on request, where each field came from.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { ReconstructionError, reconstructRemediationRequest } from '../../lib/reconstruct/index.js';
import { ProblemError } from '../problems.js';
import { reconstructParams, reconstructQuery, reconstructResponse } from '../schemas/reconstruct.js';

/** Kubernaut's problem types for the same failures, so its clients recognise them. */
function problemFor(err: ReconstructionError): ProblemError {
  switch (err.failure) {
    case 'no-events':
      return new ProblemError(404, 'audit/correlation-not-found', 'Audit Events Not Found', err.message);
    case 'missing-genesis':
      return new ProblemError(
        400,
        'reconstruction/missing-gateway-event',
        'Reconstruction Failed',
        err.message,
      );
    case 'incomplete':
      return new ProblemError(
        400,
        'reconstruction/incomplete-data',
        'Incomplete Reconstruction',
        err.message,
        Object.fromEntries(err.missing.map((f) => [f, 'not in any audit event'])),
      );
  }
}

export async function auditReconstructRoutes(app: FastifyInstance, opts: { pool: pg.Pool }) {
  app.post<{ Params: { correlation_id: string }; Querystring: { provenance?: boolean } }>(
    '/api/v1/audit/remediation-requests/:correlation_id/reconstruct',
    {
      preHandler: app.requireRole('reader'),
      schema: {
        summary: 'Rebuild a RemediationRequest (spec and status) from its audit trail',
        tags: ['audit'],
        security: [{ bearerAuth: [] }],
        params: reconstructParams,
        querystring: reconstructQuery,
        response: { 200: reconstructResponse },
      },
    },
    async (req) => {
      const id = req.params.correlation_id;
      try {
        const r = await reconstructRemediationRequest(opts.pool, id);
        return {
          remediation_request_yaml: r.yaml,
          validation: r.validation,
          reconstructed_at: r.reconstructedAt,
          correlation_id: r.correlationId,
          ...(r.clusterId ? { cluster_id: r.clusterId } : {}),
          ...(req.query.provenance ? { provenance: r.provenance } : {}),
        };
      } catch (err) {
        throw err instanceof ReconstructionError ? problemFor(err) : err;
      }
    },
  );
}
