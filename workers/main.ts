/**
 * `npm run worker`: the worker process, configured from the environment (see
 * README, Configuration). SIGTERM/SIGINT drain in-flight activities, then exit.
 */
// First: V8 flags that must hold before the workflow thread starts (workers/heap-flags.ts).
import './apply-heap-flags.js';
import { applyCatalogManifests } from '../lib/catalog/install.js';
import { loadKubeConfig } from '../lib/kube/client.js';
import { migrate } from '../migrations/migrate.js';
import { type AuditMaintenanceConfig, auditMaintenanceFromEnv } from './audit-maintenance.js';
import { collectGrowthMb, collectWhenGrown } from './collect-when-grown.js';
import { startHealthServer } from './health-server.js';
import { workerMetrics, workerRegistry } from './metrics.js';
import { runSlackFromEnv } from './run-backstop.js';
import { startWorkerRuntime } from './runtime.js';

const env = process.env;
for (const v of ['DATABASE_URL', 'TEMPORAL_ADDRESS']) {
  if (!env[v]) {
    process.stderr.write(
      `${v} is not set (run \`npm run stack\` and source its env file, or point it at your service)\n`,
    );
    process.exit(2);
  }
}
/** An optional positive integer setting; anything else stops the worker with a clear message. */
function positiveInt(name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${name} must be a positive integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}
const maxCachedWorkflows = positiveInt('KUBERNAUT_MAX_CACHED_WORKFLOWS');
let auditMaintenance: AuditMaintenanceConfig | undefined;
let runSlackMs: number;
let growthMb: number;
try {
  auditMaintenance = auditMaintenanceFromEnv(env);
  runSlackMs = runSlackFromEnv(env);
  growthMb = collectGrowthMb(env);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
// As the owner role when one is named (docs/database-roles.md); the worker itself connects as the writer.
await migrate(env.DATABASE_MIGRATION_URL || env.DATABASE_URL!);
// A convenience: a folder of RemediationWorkflow/ActionType manifests applied at
// start, as `kubectl apply -f` would (the catalog itself is what the cluster holds).
if (env.KUBERNAUT_CATALOG_DIR)
  await applyCatalogManifests(
    loadKubeConfig(env.KUBECONFIG),
    env.KUBERNAUT_CATALOG_DIR,
    env.KUBERNAUT_CATALOG_NAMESPACE || undefined,
  );
const runtime = await startWorkerRuntime({
  temporalAddress: env.TEMPORAL_ADDRESS!,
  temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
  databaseUrl: env.DATABASE_URL!,
  kubeconfigPath: env.KUBECONFIG,
  watchNamespace: env.KUBERNAUT_WATCH_NAMESPACE || undefined,
  hmacKey: env.AUDIT_HMAC_KEY || undefined,
  maxCachedWorkflows,
  auditMaintenance,
  runSlackMs,
});
// Probes (deploy/): GET /healthz and /readyz, and GET /metrics for Prometheus, on
// KUBERNAUT_HEALTH_PORT (default 8081; 0 turns it off).
const healthPort =
  env.KUBERNAUT_HEALTH_PORT === '0' ? undefined : (positiveInt('KUBERNAUT_HEALTH_PORT') ?? 8081);
const health = healthPort
  ? await startHealthServer(
      () => runtime.readiness(),
      healthPort,
      env.KUBERNAUT_HEALTH_HOST ?? '0.0.0.0',
      workerRegistry,
    )
  : undefined;
process.stderr.write(
  `[worker] running${health ? `; probes on :${health.port}` : ''}; Ctrl-C or SIGTERM to drain and stop\n`,
);
// Garbage holding memory outside V8's heap is collected once it has piled up (collect-when-grown.ts).
const collector = collectWhenGrown({
  growthMb,
  onCollect: () => workerMetrics.memoryCollections.inc(),
});
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    collector.stop();
    process.stderr.write(`[worker] ${sig}: draining\n`);
    void runtime
      .stop()
      .then(() => health?.close())
      .then(() => process.exit(0));
  });
}
