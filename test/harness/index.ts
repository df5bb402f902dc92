/**
 * Helpers for tests against the shared stack: clients, a fresh namespace per test,
 * and waiting for a condition with a deadline (never a fixed sleep).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { kubeClients, loadKubeConfig } from '../../lib/kube/client.js';
import type { TestStackInfo } from './stack-info.js';

export function stackInfo(): TestStackInfo {
  return inject('stack');
}

/**
 * The database part of a process's environment, one role per job (docs/database-roles.md):
 * the app's, the migration owner's and the audit log sequencer's.
 */
export function databaseEnv(s: TestStackInfo = stackInfo()): Record<string, string> {
  return {
    DATABASE_URL: s.databaseUrl,
    DATABASE_MIGRATION_URL: s.migrationDatabaseUrl,
    DATABASE_SEQUENCER_URL: s.sequencerDatabaseUrl,
  };
}

export function kube() {
  return kubeClients(loadKubeConfig(stackInfo().kubeconfigPath));
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Creates a namespace for this test file and deletes it after the file's tests. */
export async function testNamespace(prefix = 'test'): Promise<string> {
  const { core } = kube();
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'kubernaut.ai/test': 'true' } } } });
  afterAll(async () => {
    await core.deleteNamespace({ name }).catch(() => {});
  });
  return name;
}

/**
 * Resolves with the first truthy value of `probe`, polling until `timeoutMs`.
 * For conditions owned by other processes; the message says what never happened.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
