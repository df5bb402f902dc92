/**
 * The worker process for the remediation figure: the real worker runtime
 * (workflows, activities, launcher, watchers, all five built-in controllers) in
 * fast mode — no stabilisation window, no health grace wait — plus, in the
 * same process and on the same server, a worker for the minimal reference
 * workflow. A process of its own so the bench's load never shares its event loop.
 * Prints "ready" when both poll; SIGTERM drains and exits.
 */
// The same V8 heap settings as the worker's entry point (workers/heap-flags.ts).
import '../workers/apply-heap-flags.js';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { startWorkerRuntime } from '../workers/runtime.js';
import type { MinimalActivities } from './minimal-workflow.js';

const env = process.env;
const runtime = await startWorkerRuntime({
  temporalAddress: env.TEMPORAL_ADDRESS!,
  temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
  databaseUrl: env.DATABASE_URL!,
  kubeconfigPath: env.KUBECONFIG,
  taskQueue: env.BENCH_TASK_QUEUE!,
  watchNamespace: env.BENCH_WATCH_NAMESPACE!,
  // As workers/main.ts reads it, so a cache size can be compared: KUBERNAUT_MAX_CACHED_WORKFLOWS=20 npm run bench.
  maxCachedWorkflows: env.KUBERNAUT_MAX_CACHED_WORKFLOWS
    ? Number(env.KUBERNAUT_MAX_CACHED_WORKFLOWS)
    : undefined,
  // Fast mode: verification starts at once; the 60 s safety re-read never fires in a healthy run.
  settings: { stabilizationWindow: '0s', safetyRecheckMs: 60_000 },
  log: () => {},
  controllers: {
    enabled: [
      'signalprocessing',
      'aianalysis',
      'workflowexecution',
      'effectivenessassessment',
      'notification',
    ],
    logger: pino({ level: 'warn' }),
    // Fast mode: score at once; a rolled-out target is healthy on the first check.
    effectiveness: { healthGraceMs: 5_000, recheckMs: 100 },
    notification: { channels: { console: { type: 'file', path: '/dev/null' } } },
  },
});
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
const activities: MinimalActivities = { noop: async (i) => i };
const minimal = await Worker.create({
  connection,
  namespace: env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue: env.BENCH_MINIMAL_QUEUE!,
  workflowsPath: fileURLToPath(new URL('./minimal-workflow.ts', import.meta.url)),
  activities,
});
const running = minimal.run();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void (async () => {
    if (minimal.getState() === 'RUNNING') minimal.shutdown();
    await running;
    await connection.close();
    await runtime.stop();
    process.exit(0);
  })();
});
