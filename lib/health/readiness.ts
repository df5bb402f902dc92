/**
 * Readiness as operators need it (GET /readyz of the API and of the worker): one
 * entry per dependency — PostgreSQL, Temporal, Kubernetes — each answered or timed
 * out on its own, so a probe failure says which dependency is down instead of
 * "not ready". Checks run in parallel; each is bounded by `timeoutMs`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { kubeRequest } from '../kube/raw.js';

export type Check = () => Promise<void>;

export interface CheckResult {
  status: 'ok' | 'failed';
  ms: number;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export async function readiness(checks: Record<string, Check>, timeoutMs = 2_000): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { status: 'ok', ms: Date.now() - t0 }];
      } catch (err) {
        return [name, { status: 'failed', ms: Date.now() - t0, error: (err as Error).message }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const results = Object.fromEntries(entries);
  return { ready: entries.every(([, r]) => r.status === 'ok'), checks: results };
}

/** PostgreSQL answers a query. */
export const postgresCheck =
  (pool: pg.Pool): Check =>
  async () => {
    await pool.query('SELECT 1');
  };

/** The Temporal frontend answers (GetSystemInfo: the cheapest call that reaches it). */
export const temporalCheck =
  (client: Client): Check =>
  async () => {
    await client.workflowService.getSystemInfo({});
  };

/** The kube-apiserver says it is ready (GET /readyz). */
export const kubernetesCheck =
  (kc: KubeConfig): Check =>
  async () => {
    await kubeRequest(kc, 'GET', '/readyz');
  };
