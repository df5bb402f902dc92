/**
 * A worker process for the reliability suite: workers/runtime.ts as workers/main.ts
 * runs it, but on the task queue in KUBERNAUT_TEST_TASK_QUEUE, so a worker pointed
 * at a private PostgreSQL never takes workflow tasks of another test's remediations.
 * Built-in controllers off (the test plays the children) unless KUBERNAUT_CONTROLLERS
 * names some.
 */
import { migrate } from '../../migrations/migrate.js';
import { startWorkerRuntime } from '../../workers/runtime.js';

const env = process.env;
await migrate(env.DATABASE_MIGRATION_URL || env.DATABASE_URL!);
const runtime = await startWorkerRuntime({
  temporalAddress: env.TEMPORAL_ADDRESS!,
  temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
  databaseUrl: env.DATABASE_URL!,
  kubeconfigPath: env.KUBECONFIG,
  watchNamespace: env.KUBERNAUT_WATCH_NAMESPACE!,
  taskQueue: env.KUBERNAUT_TEST_TASK_QUEUE!,
  hmacKey: env.AUDIT_HMAC_KEY || undefined,
  ...(env.KUBERNAUT_CONTROLLERS ? {} : { controllers: { enabled: [] } }),
});
process.stderr.write('[worker] running\n');
process.on('SIGTERM', () => void runtime.stop().then(() => process.exit(0)));
