/**
 * `kubernaut verify`'s log check: the client side of the audit log's promise.
 *
 * It keeps the last checkpoint it accepted from an API (a file per API URL under
 * $XDG_STATE_HOME/kubernaut/checkpoints/), and on every run asks for the latest
 * checkpoint, checks its signature with keys the user trusts (never keys the server
 * offers), and proves with a consistency proof that the log only grew since. A log
 * that shrank, was rewritten or changed identity fails loudly and the kept
 * checkpoint is not replaced, so every later run fails the same way.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { verifyConsistency } from '../lib/audit/merkle.js';
import {
  type Checkpoint,
  type NoteVerifier,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
} from '../lib/audit/note.js';

export function stateHome(env = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'kubernaut');
}

export interface KeptCheckpoint {
  api_url: string;
  origin: string;
  tree_size: number;
  root_hash: string;
  note: string;
  /** The verifier keys it was accepted with (used when none are configured). */
  keys: string[];
  saved_at: string;
}

export function statePath(apiUrl: string, env = process.env): string {
  const id = createHash('sha256').update(apiUrl).digest('hex').slice(0, 16);
  return join(stateHome(env), 'checkpoints', `${id}.json`);
}

export function readKept(path: string): KeptCheckpoint | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as KeptCheckpoint) : undefined;
}

function keep(path: string, k: KeptCheckpoint) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(k, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Keys the user trusts: configured, else pinned with the kept checkpoint, else this machine's generated key. */
export function trustedKeys(
  configured: string[],
  kept: KeptCheckpoint | undefined,
  env = process.env,
): NoteVerifier[] {
  if (configured.length) return configured.map(parseVerifierKey);
  if (kept?.keys.length) return kept.keys.map(parseVerifierKey);
  const local = join(stateHome(env), 'audit-log-signing.key');
  if (existsSync(local)) return [parseSignerKey(readFileSync(local, 'utf8')).verifier];
  return [];
}

export class LogCheckFailure extends Error {
  override name = 'LogCheckFailure';
}

export interface LogCheckResult {
  origin: string;
  tree_size: number;
  root_hash: string;
  previous_tree_size?: number;
  /** What was proven, for people. */
  message: string;
}

type Fetch = <T>(path: string) => Promise<T>;

interface ApiCheckpoint {
  note: string;
}

export async function checkLog(
  get: Fetch,
  opts: { apiUrl: string; keys: string[]; acceptNewLog?: boolean; env?: NodeJS.ProcessEnv },
): Promise<LogCheckResult> {
  const path = statePath(opts.apiUrl, opts.env);
  const kept = readKept(path);
  const latest = await get<ApiCheckpoint>('/api/v1/audit/checkpoints');
  const keys = trustedKeys(opts.keys, kept, opts.env);
  if (keys.length === 0) {
    throw new LogCheckFailure(
      'no trusted audit log key: set KUBERNAUT_AUDIT_LOG_KEYS (or --log-key) to the key the API prints at start',
    );
  }
  let now: Checkpoint;
  try {
    now = openCheckpoint(latest.note, keys);
  } catch (err) {
    throw new LogCheckFailure(`the latest checkpoint cannot be trusted: ${(err as Error).message}`);
  }
  const result = {
    origin: now.origin,
    tree_size: now.size,
    root_hash: now.root.toString('base64'),
  };
  let message = `first checkpoint kept: ${now.size} entries`;
  if (kept && !(opts.acceptNewLog && kept.origin !== now.origin)) {
    if (kept.origin !== now.origin) {
      throw new LogCheckFailure(
        `the API now serves log "${now.origin}", not "${kept.origin}" seen before: a replaced database? (--accept-new-log to start over)`,
      );
    }
    const before = Buffer.from(kept.root_hash, 'base64');
    if (now.size < kept.tree_size) {
      throw new LogCheckFailure(
        `the log shrank from ${kept.tree_size} to ${now.size} entries since ${kept.saved_at}`,
      );
    }
    if (now.size === kept.tree_size) {
      if (!now.root.equals(before)) {
        throw new LogCheckFailure(
          `the log was rewritten: same size ${now.size}, different root than on ${kept.saved_at}`,
        );
      }
      message = `unchanged since ${kept.saved_at}: ${now.size} entries`;
    } else {
      const proof = await get<{ proof: string[] }>(
        `/api/v1/audit/checkpoints/consistency?from=${kept.tree_size}&to=${now.size}`,
      );
      const hashes = proof.proof.map((p) => Buffer.from(p, 'base64'));
      if (!verifyConsistency(kept.tree_size, now.size, hashes, before, now.root)) {
        throw new LogCheckFailure(
          `the log of ${now.size} entries does not extend the one of ${kept.tree_size} seen on ${kept.saved_at}: it was rewritten`,
        );
      }
      message = `consistent: grew from ${kept.tree_size} to ${now.size} entries (consistency proof verified)`;
    }
  }
  keep(path, {
    api_url: opts.apiUrl,
    ...result,
    note: latest.note,
    keys: keys.map((k) => k.text),
    saved_at: new Date().toISOString(),
  });
  return { ...result, ...(kept ? { previous_tree_size: kept.tree_size } : {}), message };
}
