/**
 * The servers under test, in the bench process: the real API (buildApp, with the
 * gateway when asked) and the reference — an empty Fastify route answering the
 * same client. Both listen on 127.0.0.1 only, on a free port.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../api/app.js';
import type { GatewayConfig } from '../api/gateway-config.js';
import { AuditLog } from '../lib/audit/log-service.js';
import { generateSignerKey } from '../lib/audit/note.js';
import { loadKubeConfig } from '../lib/kube/client.js';
import type { BenchContext } from './context.js';

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

export async function startApi(
  ctx: BenchContext,
  gateway?: Partial<GatewayConfig>,
  opts: { auditLog?: boolean; pool?: pg.Pool; groupCommitInFlight?: number } = {},
): Promise<RunningServer> {
  const token = randomBytes(16).toString('hex');
  const pool = opts.pool ?? new pg.Pool({ connectionString: ctx.databaseUrl, max: 20 });
  // As in production, the audit log's sequencer runs beside the API (docs/audit-log.md);
  // not for the log-off reference (bench/audit-log-off.ts).
  const sequencerPool = new pg.Pool({ connectionString: ctx.sequencerDatabaseUrl, max: 2 });
  const auditLog =
    opts.auditLog === false
      ? undefined
      : new AuditLog({
          pool,
          sequencerPool,
          signingKey: generateSignerKey('kubernaut.bench/audit'),
          log: () => {},
        });
  await auditLog?.start();
  const app = await buildApp({
    pool,
    auditLog,
    config: {
      bodyLimit: 10 * 1024 * 1024,
      maxBatchSize: 500,
      // The API's default unless the figure or the environment says (0: group commit off).
      ...(opts.groupCommitInFlight !== undefined
        ? { groupCommitInFlight: opts.groupCommitInFlight }
        : process.env.AUDIT_GROUP_COMMIT_IN_FLIGHT
          ? { groupCommitInFlight: Number(process.env.AUDIT_GROUP_COMMIT_IN_FLIGHT) }
          : {}),
      // kind service: the bench reports on behalf of the gateway/orchestrator actors.
      tokens: [{ token, name: 'bench', roles: ['admin'], kind: 'service' }],
    },
    ...(gateway
      ? {
          gateway: {
            kubeConfig: loadKubeConfig(ctx.kubeconfigPath),
            config: {
              controllerNamespace: 'kubernaut-bench',
              ensureNamespace: true,
              maxFutureSkewMs: 300_000,
              requireManagedLabel: false,
              maxSignalBytes: 64 * 1024,
              bodyLimit: 1024 * 1024,
              maxAlerts: 500,
              ...gateway,
            } as GatewayConfig,
          },
        }
      : {}),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    token,
    async close() {
      await app.close();
      await auditLog?.stop();
      await sequencerPool.end();
      await pool.end();
    },
  };
}

/** The reference server: Fastify with one POST route that parses the body and answers `{}`. */
export async function startEmptyServer(): Promise<RunningServer> {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.post('/empty', async (_req, reply) => reply.code(201).send({}));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, token: '', close: () => app.close() };
}
