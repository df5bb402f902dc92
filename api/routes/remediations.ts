/**
 * Approvals and the live view of a remediation. The decision is recorded under the
 * authenticated identity (never a claimed one) and goes to the workflow as the
 * `approve` / `reject` update, so the same validation applies as everywhere else.
 * A decision the workflow refuses — another one was recorded first (invariant I3),
 * or the approval window closed — is a 409 problem saying who decided what; one an
 * approval ladder refuses (I10: the requester or creator, not an approver of the
 * tier, no update rights on the target) is a 403 problem saying why.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { ControlError, decide, liveStatus } from '../../lib/remediation-control.js';
import { notFound, ProblemError } from '../problems.js';

const params = {
  type: 'object',
  required: ['namespace', 'name'],
  properties: {
    namespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' },
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$' },
  },
} as const;

function toProblem(err: unknown): never {
  if (err instanceof ControlError) {
    throw err.kind === 'not-found'
      ? notFound(err.message)
      : err.kind === 'forbidden'
        ? new ProblemError(403, 'approval-refused', 'Approval Refused', err.message)
        : new ProblemError(409, 'conflict', 'Conflict', err.message);
  }
  throw err;
}

export async function remediationRoutes(app: FastifyInstance, opts: { temporal: Client }) {
  const common = { tags: ['remediations'], security: [{ bearerAuth: [] }], params };
  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { namespace: string; name: string }; Body: { reason?: string } | undefined }>(
      `/api/v1/remediation-requests/:namespace/:name/${decision}`,
      {
        preHandler: app.requireRole('approver'),
        schema: {
          ...common,
          summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a remediation awaiting approval`,
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: { reason: { type: 'string', maxLength: 2000 } },
          },
        },
      },
      async (req) => {
        const { namespace, name } = req.params;
        const view = await decide(opts.temporal, namespace, name, decision, {
          decidedBy: req.identity!.name,
          authenticatedAs: req.identity!.kind,
          ...(req.identity!.groups?.length ? { groups: req.identity!.groups } : {}),
          ...(req.body?.reason ? { reason: req.body.reason } : {}),
        }).catch(toProblem);
        return { namespace, name, phase: view.phase, approval: view.approval };
      },
    );
  }
  app.get<{ Params: { namespace: string; name: string } }>(
    '/api/v1/remediation-requests/:namespace/:name',
    {
      preHandler: app.requireRole('reader'),
      schema: { ...common, summary: 'The live view of a remediation' },
    },
    async (req) => liveStatus(opts.temporal, req.params.namespace, req.params.name).catch(toProblem),
  );
}
