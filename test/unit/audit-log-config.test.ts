import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { auditLogFromEnv, signingKey } from '../../api/audit-log-config.js';
import { generateSignerKey, parseSignerKey } from '../../lib/audit/note.js';

describe('audit log configuration', () => {
  const state = mkdtempSync(join(tmpdir(), 'audit-log-config-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const pool = {} as pg.Pool;

  it('generates a signing key once, keeps it private in the state folder, and reuses it', () => {
    const env = { XDG_STATE_HOME: state };
    const first = signingKey(env);
    expect(first.generatedAt).toBe(join(state, 'kubernaut', 'audit-log-signing.key'));
    expect(statSync(first.generatedAt!).mode & 0o777).toBe(0o600);
    const again = signingKey(env);
    expect(again).toEqual({ key: first.key });
    expect(parseSignerKey(again.key).name).toBe('kubernaut.local/audit');
  });

  it('takes a configured key, extra verifier keys for rotation, and refuses bad numbers', () => {
    const key = generateSignerKey('example.com/audit');
    const old = parseSignerKey(generateSignerKey('example.com/audit')).verifier.text;
    const { log } = auditLogFromEnv(pool, {
      env: { AUDIT_LOG_SIGNING_KEY: key, AUDIT_LOG_VERIFIER_KEYS: ` ${old}\n` },
    });
    expect(log!.signer.name).toBe('example.com/audit');
    expect(log!.verifiers.map((v) => v.text)).toEqual([parseSignerKey(key).verifier.text, old]);
    expect(() =>
      auditLogFromEnv(pool, { env: { AUDIT_LOG_SIGNING_KEY: key, AUDIT_LOG_CHECKPOINT_EVENTS: '0' } }),
    ).toThrow(/positive integer/);
    expect(() =>
      auditLogFromEnv(pool, { env: { AUDIT_LOG_SIGNING_KEY: key, AUDIT_CHECKPOINT_CONFIGMAP: 'ns/name' } }),
    ).toThrow(/Kubernetes/);
    expect(auditLogFromEnv(pool, { env: { AUDIT_LOG: 'off' } })).toEqual({});
  });
});
