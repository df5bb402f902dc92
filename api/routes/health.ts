/** GET /healthz (the process answers) and GET /readyz (PostgreSQL answers too). */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { ProblemError } from '../problems.js';

const READY_TIMEOUT_MS = 2000;

export async function healthRoutes(app: FastifyInstance, opts: { pool: pg.Pool }) {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: PostgreSQL reachable' } },
    async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          opts.pool.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
              READY_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (err) {
        throw new ProblemError(
          503,
          'service-unavailable',
          'Service Unavailable',
          `PostgreSQL: ${(err as Error).message}`,
        );
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready', checks: { postgres: 'ok' } };
    },
  );
}
