/**
 * API configuration from the environment. Everything has a default except the
 * tokens: with none configured, `loadConfig` generates one admin token for the
 * embedded default and says so (api/main.ts prints it).
 */
import { randomBytes } from 'node:crypto';
import type { Authenticator } from './auth/identity.js';
import { parseTokenSpec, readTokenFile, type StaticToken } from './auth/static-tokens.js';

export interface ApiConfig {
  host: string;
  port: number;
  /** Largest request body in bytes (413 beyond). */
  bodyLimit: number;
  /** Most events in one POST /audit/events/batch (400 beyond). */
  maxBatchSize: number;
  /**
   * Group commit for single writes (lib/audit/group-commit.ts): batches in PostgreSQL
   * at once before later writes queue and go together; 0 writes each call alone.
   */
  groupCommitInFlight?: number;
  /** HMAC key for the audit hash chain; plain SHA-256 when unset. */
  hmacKey?: string;
  tokens: StaticToken[];
  /** Tried after the static tokens, e.g. Kubernetes TokenReview. */
  authenticators?: Authenticator[];
  /** Set when the token was generated because none was configured. */
  generatedToken?: string;
}

/** A whole-number setting, `min` or more (1 by default), its default when unset. */
const int = (v: string | undefined, dflt: number, what: string, min = 1) => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${what} must be ${min === 0 ? '0 or ' : ''}a positive integer, got "${v}"`);
  return n;
};

/** API_PORT: 1–65535, or 0 for any free port (the address it got is printed at start). */
const listenPort = (v: string | undefined) => {
  if (v === undefined || v === '') return 8080;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new Error(`API_PORT must be a port number (0 for any free one), got "${v}"`);
  return n;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const tokens = [
    ...(env.API_TOKENS ? parseTokenSpec(env.API_TOKENS) : []),
    ...(env.API_TOKENS_FILE ? readTokenFile(env.API_TOKENS_FILE) : []),
  ];
  let generatedToken: string | undefined;
  // With Kubernetes authentication on, callers bring cluster tokens: no admin token is
  // generated (it would be an unaudited master key printed to the log).
  if (tokens.length === 0 && env.API_AUTH_KUBERNETES !== 'true') {
    generatedToken = randomBytes(24).toString('base64url');
    tokens.push({ token: generatedToken, name: 'local-admin', roles: ['admin'], kind: 'user' });
  }
  return {
    host: env.API_HOST || '127.0.0.1',
    port: listenPort(env.API_PORT),
    bodyLimit: int(env.API_BODY_LIMIT, 10 * 1024 * 1024, 'API_BODY_LIMIT'),
    maxBatchSize: int(env.AUDIT_BATCH_MAX, 500, 'AUDIT_BATCH_MAX'),
    groupCommitInFlight: int(env.AUDIT_GROUP_COMMIT_IN_FLIGHT, 2, 'AUDIT_GROUP_COMMIT_IN_FLIGHT', 0),
    hmacKey: env.AUDIT_HMAC_KEY || undefined,
    tokens,
    generatedToken,
  };
}
