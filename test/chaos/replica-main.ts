/**
 * A second worker replica for the randomized schedule test, as its own process so
 * it can be SIGKILLed: the worker runtime with the schedule test's settings and
 * controllers, on the test's task queue and namespace (from the environment).
 * Prints "[replica] running" once it polls.
 */
import { pino } from 'pino';
import { startWorkerRuntime } from '../../workers/runtime.js';
import { CHAOS_SETTINGS, chaosControllers, RECONCILE_INTERVAL_MS } from './config.js';

const env = process.env;
await startWorkerRuntime({
  temporalAddress: env.TEMPORAL_ADDRESS!,
  temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
  databaseUrl: env.DATABASE_URL!,
  kubeconfigPath: env.KUBECONFIG,
  watchNamespace: env.KUBERNAUT_WATCH_NAMESPACE!,
  taskQueue: env.KUBERNAUT_TEST_TASK_QUEUE!,
  settings: CHAOS_SETTINGS,
  reconcileIntervalMs: RECONCILE_INTERVAL_MS,
  log: () => {},
  controllers: chaosControllers(pino({ level: 'silent' })),
});
process.stderr.write('[replica] running\n');
