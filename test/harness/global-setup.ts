/**
 * vitest global setup: one embedded stack for the whole run (or the services named
 * by DATABASE_URL / TEMPORAL_ADDRESS / KUBECONFIG), migrated and with the CRDs
 * installed. Tests get the endpoints through `inject('stack')`.
 */
import type { TestProject } from 'vitest/node';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { installCrds } from '../../lib/kube/install-crds.js';
import { migrate } from '../../migrations/migrate.js';
import { type Stack, startStack } from '../../stack/index.js';
import { resolveTool } from '../../stack/tools.js';
import type { TestStackInfo } from './stack-info.js';

let stack: Stack | undefined;

export async function setup(project: TestProject) {
  const log = (l: string) => process.stderr.write(`[stack] ${l}\n`);
  // promtool (the alert-rule tests) is built here, before any test runs, like the
  // stack's servers: a build inside a test file would compete with the others for the cores.
  await resolveTool('promtool', log);
  // Jaeger too, when the tracing suite runs (it starts its own): a cold build takes
  // minutes, which `npm test` does not pay for a suite it does not run.
  if (process.argv.some((a) => a.includes('test/tracing'))) await resolveTool('jaeger', log);
  // Workers the suites start from workers/main.ts create no audit maintenance schedule:
  // retention on the shared database would prune rows other suites are still checking.
  // The maintenance suite runs its own schedule on a database of its own.
  process.env.KUBERNAUT_AUDIT_MAINTENANCE_INTERVAL_MS ??= 'off';
  stack = await startStack({ log });
  await migrate(stack.migrationDatabaseUrl);
  await installCrds(loadKubeConfig(stack.kubeconfigPath));
  const info: TestStackInfo = {
    databaseUrl: stack.databaseUrl,
    migrationDatabaseUrl: stack.migrationDatabaseUrl,
    sequencerDatabaseUrl: stack.sequencerDatabaseUrl,
    adminDatabaseUrl: stack.adminDatabaseUrl,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: stack.temporalNamespace,
    temporalUiUrl: stack.temporalUiUrl,
    kubeconfigPath: stack.kubeconfigPath,
    kubeServer: stack.kube?.server,
    kubeCaPem: stack.kube?.caPem,
    kubeUsers: stack.kube?.users ?? [],
    embedded: { postgres: !!stack.postgres, temporal: !!stack.temporal, kube: !!stack.kube },
    pids: [
      ...(stack.temporal ? [stack.temporal.process.pid] : []),
      ...(stack.kube?.processes.map((p) => p.pid) ?? []),
    ],
  };
  project.provide('stack', info);
}

export async function teardown() {
  await stack?.stop();
}
