/**
 * Bearer authentication for the routes: `app.requireRole('writer')` is a preHandler
 * that answers 401 without a known token and 403 without the role, and leaves the
 * caller in `request.identity` (what the audit records as the actor).
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemError } from '../problems.js';
import { type Authenticator, hasRole, type Identity, type Role } from './identity.js';

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
  interface FastifyInstance {
    requireRole(role: Role): preHandlerAsyncHookHandler;
  }
}

async function identify(req: FastifyRequest, authenticators: Authenticator[]): Promise<Identity> {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'a bearer token is required');
  for (const a of authenticators) {
    const id = await a.authenticate(m[1]!);
    if (id) return id;
  }
  throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'the bearer token is not valid');
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { authenticators: Authenticator[] }) => {
    app.decorateRequest('identity', undefined);
    app.decorate(
      'requireRole',
      (role: Role): preHandlerAsyncHookHandler =>
        async (req) => {
          const id = await identify(req, opts.authenticators);
          if (!hasRole(id, role)) {
            throw new ProblemError(
              403,
              'forbidden',
              'Forbidden',
              `${id.name} lacks the ${role} role for this route`,
            );
          }
          req.identity = id;
        },
    );
  },
  { name: 'auth' },
);
