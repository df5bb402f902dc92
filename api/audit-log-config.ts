/**
 * The audit log's configuration from the environment (docs/audit-log.md):
 *
 *   AUDIT_LOG                          "off" disables the log service in this process
 *   AUDIT_LOG_SIGNING_KEY              signer key (PRIVATE+KEY+<name>+<id>+<key>), or
 *   AUDIT_LOG_SIGNING_KEY_FILE         a file holding it; with neither, a key is
 *                                      generated once and kept in
 *                                      $XDG_STATE_HOME/kubernaut/audit-log-signing.key
 *                                      (the embedded default)
 *   AUDIT_LOG_VERIFIER_KEYS            more accepted public keys (rotation), comma- or
 *                                      newline-separated
 *   AUDIT_LOG_ORIGIN                   checkpoint origin (default kubernaut.local/audit/<log id>)
 *   AUDIT_LOG_CHECKPOINT_INTERVAL_MS   at most this long between checkpoints (default 5000)
 *   AUDIT_LOG_CHECKPOINT_EVENTS        or sooner, after this many events (default 5000)
 *   AUDIT_CHECKPOINT_FILE              publish each checkpoint to this file
 *   AUDIT_CHECKPOINT_CONFIGMAP         and/or to this ConfigMap (namespace/name)
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { type CheckpointPublisher, configMapPublisher, filePublisher } from '../lib/audit/log-publish.js';
import { AuditLog } from '../lib/audit/log-service.js';
import { generateSignerKey } from '../lib/audit/note.js';

export const GENERATED_KEY_NAME = 'kubernaut.local/audit';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'kubernaut');
}

/** The configured signing key, or the generated one kept in the state folder. */
export function signingKey(env: NodeJS.ProcessEnv = process.env): { key: string; generatedAt?: string } {
  if (env.AUDIT_LOG_SIGNING_KEY) return { key: env.AUDIT_LOG_SIGNING_KEY.trim() };
  if (env.AUDIT_LOG_SIGNING_KEY_FILE)
    return { key: readFileSync(env.AUDIT_LOG_SIGNING_KEY_FILE, 'utf8').trim() };
  const path = join(stateDir(env), 'audit-log-signing.key');
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim() };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateSignerKey(GENERATED_KEY_NAME);
  // wx: two processes starting together must not each write their own key.
  try {
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: readFileSync(path, 'utf8').trim() };
    throw err;
  }
  chmodSync(path, 0o600);
  return { key, generatedAt: path };
}

const positive = (v: string | undefined, dflt: number, what: string) => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got "${v}"`);
  return n;
};

export interface AuditLogSetup {
  log?: AuditLog;
  /** Set when the signing key was generated now; the caller says where it is. */
  generatedKeyPath?: string;
}

export function auditLogFromEnv(
  pool: pg.Pool,
  opts: {
    kubeConfig?: () => KubeConfig;
    env?: NodeJS.ProcessEnv;
    log?: (m: string) => void;
    /** The sequencer's connection (DATABASE_SEQUENCER_URL); default pool. */
    sequencerPool?: pg.Pool;
  } = {},
): AuditLogSetup {
  const env = opts.env ?? process.env;
  if (env.AUDIT_LOG === 'off') return {};
  const { key, generatedAt } = signingKey(env);
  const publishers: CheckpointPublisher[] = [];
  if (env.AUDIT_CHECKPOINT_FILE) publishers.push(filePublisher(env.AUDIT_CHECKPOINT_FILE));
  if (env.AUDIT_CHECKPOINT_CONFIGMAP) {
    if (!opts.kubeConfig) throw new Error('AUDIT_CHECKPOINT_CONFIGMAP needs a Kubernetes configuration');
    publishers.push(configMapPublisher(opts.kubeConfig(), env.AUDIT_CHECKPOINT_CONFIGMAP));
  }
  const log = new AuditLog({
    pool,
    sequencerPool: opts.sequencerPool,
    signingKey: key,
    verifierKeys: (env.AUDIT_LOG_VERIFIER_KEYS ?? '')
      .split(/[,\n]/)
      .map((k) => k.trim())
      .filter(Boolean),
    origin: env.AUDIT_LOG_ORIGIN || undefined,
    intervalMs: positive(env.AUDIT_LOG_CHECKPOINT_INTERVAL_MS, 5000, 'AUDIT_LOG_CHECKPOINT_INTERVAL_MS'),
    checkpointEvents: positive(env.AUDIT_LOG_CHECKPOINT_EVENTS, 5000, 'AUDIT_LOG_CHECKPOINT_EVENTS'),
    publishers,
    log: opts.log,
  });
  return { log, generatedKeyPath: generatedAt };
}
