/**
 * The worker process's parts, started together and stopped in order: the
 * Temporal worker (workflows + activities), the RR launcher, the child watchers
 * and the built-in child controllers; and the metrics derived from them
 * (metrics.ts, served by health-server.ts).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { type Logger, pino } from 'pino';
import { createAuditMaintenanceActivities } from '../activities/audit-maintenance.js';
import { withErrorCategories } from '../activities/error-categories.js';
import { createRemediationActivities } from '../activities/remediation.js';
import { createAuditWriter } from '../lib/audit/writer.js';
import { createPool } from '../lib/db.js';
import {
  kubernetesCheck,
  postgresCheck,
  type Readiness,
  readiness,
  temporalCheck,
} from '../lib/health/readiness.js';
import { historySource } from '../lib/history/query.js';
import { instrumentAuditWriter } from '../lib/metrics/audit-writes.js';
import { TASK_QUEUE } from '../lib/remediation-messages.js';
import { traceStampingWriter } from '../lib/tracing/audit.js';
import { traceIdMixin } from '../lib/tracing/log-fields.js';
import { startTracing } from '../lib/tracing/state.js';
import { PinoTemporalLogger } from '../lib/tracing/temporal-logger.js';
import type { RemediationInput } from '../workflows/remediation.js';
import { type AuditMaintenanceConfig, ensureAuditMaintenanceSchedule } from './audit-maintenance.js';
import { auditMaintenanceStarted, recordAuditMaintenance } from './audit-maintenance-metrics.js';
import { DEFAULT_RESYNC_MS, startChildWatchers } from './child-watcher.js';
import { type ControllersConfig, controllersConfigFromEnv } from './controllers/config.js';
import { startControllers } from './controllers/index.js';
import { workerKubeConfig } from './kube-config.js';
import { startLauncher } from './launcher.js';
import { reportReadiness, workerRegistry } from './metrics.js';
import { ReconcileQueue } from './reconcile-queue.js';
import { DEFAULT_FULL_INTERVAL_MS, startReconciler } from './reconciler.js';
import { startRemediationMetrics } from './remediation-metrics.js';
import { runSlackFromEnv } from './run-backstop.js';
import { checkSearchAttributes } from './search-attribute-check.js';
import { ensureWorkflowBundle } from './workflow-bundle.js';

export interface WorkerRuntimeConfig {
  temporalAddress: string;
  temporalNamespace: string;
  databaseUrl: string;
  kubeconfigPath?: string;
  taskQueue?: string;
  /** Watch only this namespace (default: all). */
  watchNamespace?: string;
  settings?: RemediationInput['settings'];
  /**
   * How long a run may stay open past its RR's global timeout before Temporal closes
   * it and the reconciler closes the RR out (workers/run-backstop.ts). Default:
   * KUBERNAUT_RUN_SLACK_MS, else 15 minutes.
   */
  runSlackMs?: number;
  hmacKey?: string;
  /**
   * Workflows kept in memory between tasks (default 100). A remediation parked on
   * an approval or a child costs ~0.7 MB cached; evicted, it replays its history
   * (tens of events) when it wakes. The SDK's own default scales with the heap
   * (thousands), so a worker with 1,000 parked remediations held them all.
   */
  maxCachedWorkflows?: number;
  log?: (msg: string) => void;
  /**
   * JSON lines about remediations (launcher), each bound to its RR (docs/tracing.md).
   * Default: the controllers' logger, else pino at LOG_LEVEL (info; warn when `log` is given).
   */
  logger?: Logger;
  /**
   * The built-in child controllers to run and their settings. Default: from the
   * environment (KUBERNAUT_CONTROLLERS, default all); `{ enabled: [] }` runs none,
   * leaving every child kind to an external controller.
   */
  controllers?: ControllersConfig;
  /**
   * Time between reconcile passes (workers/reconciler.ts: runs whose RR is gone,
   * RRs whose run closed without a terminal status, restored RRs). Default:
   * KUBERNAUT_RECONCILE_INTERVAL_MS, else 30 s.
   */
  reconcileIntervalMs?: number;
  /**
   * Time between the reconciler's full passes (every RR against every running run);
   * the passes between look only at what changed. Default: KUBERNAUT_RECONCILE_FULL_MS,
   * else 10 min.
   */
  reconcileFullIntervalMs?: number;
  /**
   * How far before its last pass the reconciler's changes pass asks visibility for
   * closed runs (its lag, the clocks' skew). Default: twice the interval, at least 10 s.
   */
  reconcileLookbackMs?: number;
  /**
   * Time between the child watchers' resyncs (workers/child-resync.ts): every child is
   * listed again and a status change the watch did not deliver is signalled — what
   * bounds how late a parked workflow can learn of a missed change. Default:
   * KUBERNAUT_WATCH_RESYNC_MS, else 5 min.
   */
  watchResyncMs?: number;
  /**
   * false: run no child watchers — for a test that runs its own, to lose a signal on
   * purpose; nothing would wake a parked workflow otherwise. Default true.
   */
  childWatchers?: boolean;
  /**
   * The audit maintenance schedule (workers/audit-maintenance.ts) this worker creates
   * or updates at start; default none (workers/main.ts takes it from the environment,
   * one hour by default). Every worker runs the maintenance activity whichever
   * created the schedule.
   */
  auditMaintenance?: AuditMaintenanceConfig;
}

export interface WorkerRuntime {
  client: Client;
  worker: Worker;
  /** PostgreSQL, Temporal, Kubernetes and the worker's own polling, each reported. */
  readiness(): Promise<Readiness>;
  /** What the launcher hands the reconciler (and a test may hand it too). */
  reconcileQueue: ReconcileQueue;
  stop(): Promise<void>;
}

export { WORKFLOWS_PATH } from './workflow-bundle.js';

export async function startWorkerRuntime(cfg: WorkerRuntimeConfig): Promise<WorkerRuntime> {
  installQuietRuntime();
  const log = cfg.log ?? ((m: string) => process.stderr.write(`[worker] ${m}\n`));
  const taskQueue = cfg.taskQueue ?? TASK_QUEUE;
  const runSlackMs = cfg.runSlackMs ?? runSlackFromEnv();
  const kc = workerKubeConfig(cfg.kubeconfigPath);
  const pool = createPool(cfg.databaseUrl, { max: 10, log });
  // Tracing (docs/tracing.md) only when OTLP has somewhere to go; else none of it loads.
  const traced = await startTracing('kubernaut-worker');
  const otel = traced ? await import('../lib/tracing/temporal.js') : undefined;
  const plainAudit = instrumentAuditWriter(
    createAuditWriter(pool, cfg.hmacKey ? { hmacKey: cfg.hmacKey } : {}),
    workerRegistry,
  );
  // Activities and controllers write in their span: each row gets its trace id.
  const audit = traced ? traceStampingWriter(plainAudit) : plainAudit;

  // Bundled ahead and cached on disk (workers/workflow-bundle.ts), not by webpack in this process.
  const codePath = await ensureWorkflowBundle(log, { tracing: Boolean(traced) });
  const activities = createRemediationActivities({ kc, audit });
  const maintenance = createAuditMaintenanceActivities({
    pool,
    partitionsAhead: cfg.auditMaintenance?.partitionsAhead,
    onRun: recordAuditMaintenance,
  });
  const connection = await Connection.connect({ address: cfg.temporalAddress });
  if ((await checkSearchAttributes(connection, cfg.temporalNamespace)) === 'unchecked')
    log(`could not list the search attributes of ${cfg.temporalNamespace}; assuming they are registered`);
  const nativeConnection = await NativeConnection.connect({ address: cfg.temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: cfg.temporalNamespace,
    taskQueue,
    workflowBundle: { codePath },
    maxCachedWorkflows: cfg.maxCachedWorkflows ?? 100,
    // Refusals (403, 422, …) become non-retryable: Kubernaut's Category C (activities/error-categories.ts).
    activities: { ...withErrorCategories(activities), ...maintenance },
    ...(traced && otel ? { interceptors: otel.workerInterceptors(), sinks: otel.workerSinks(traced) } : {}),
  });
  const running = worker.run();

  const client = new Client({
    connection,
    namespace: cfg.temporalNamespace,
    ...(otel ? { interceptors: otel.clientInterceptors() } : {}),
  });
  if (cfg.auditMaintenance) {
    const how = await ensureAuditMaintenanceSchedule(client, {
      scheduleId: cfg.auditMaintenance.scheduleId,
      intervalMs: cfg.auditMaintenance.intervalMs,
      taskQueue,
    });
    if (how !== 'unchanged')
      log(`audit maintenance schedule ${how} (every ${cfg.auditMaintenance.intervalMs} ms)`);
  }
  auditMaintenanceStarted(cfg.auditMaintenance?.intervalMs);
  const watchers =
    cfg.childWatchers === false
      ? { ready: Promise.resolve(), stop: async () => {} }
      : startChildWatchers({
          client,
          kc,
          namespace: cfg.watchNamespace,
          log,
          resyncMs: cfg.watchResyncMs ?? (Number(process.env.KUBERNAUT_WATCH_RESYNC_MS) || DEFAULT_RESYNC_MS),
        });
  // What the launcher hands the reconciler's changes pass (reconcile-queue.ts).
  const reconcileQueue = new ReconcileQueue();
  const reconciler = startReconciler({
    queue: reconcileQueue,
    lookbackMs: cfg.reconcileLookbackMs,
    fullIntervalMs:
      cfg.reconcileFullIntervalMs ??
      (Number(process.env.KUBERNAUT_RECONCILE_FULL_MS) || DEFAULT_FULL_INTERVAL_MS),
    client,
    kc,
    activities,
    pool,
    taskQueue,
    namespace: cfg.watchNamespace,
    settings: cfg.settings,
    runSlackMs,
    intervalMs: cfg.reconcileIntervalMs ?? (Number(process.env.KUBERNAUT_RECONCILE_INTERVAL_MS) || 30_000),
    log,
  });
  const launcher = startLauncher({
    logger:
      cfg.logger ??
      cfg.controllers?.logger ??
      pino({
        name: 'worker',
        level: process.env.LOG_LEVEL ?? (cfg.log ? 'warn' : 'info'),
        mixin: traceIdMixin,
      }),
    queue: reconcileQueue,
    reconcile: () => void reconciler.pass(),
    client,
    kc,
    taskQueue,
    namespace: cfg.watchNamespace,
    settings: cfg.settings,
    runSlackMs,
    log,
  });
  const controllers = startControllers({
    kc,
    audit,
    config: cfg.controllers ?? controllersConfigFromEnv(),
    namespace: cfg.watchNamespace,
    history: historySource(pool),
  });
  const remediationMetrics = startRemediationMetrics({ kc, namespace: cfg.watchNamespace, log });
  await Promise.all([
    watchers.ready,
    launcher.ready,
    controllers.ready,
    reconciler.ready,
    remediationMetrics.ready,
  ]);

  const checks = {
    postgres: postgresCheck(pool),
    temporal: temporalCheck(client),
    kubernetes: kubernetesCheck(kc),
    worker: async () => {
      if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
    },
  };
  const ready = () => readiness(checks);
  reportReadiness(ready);
  return {
    client,
    worker,
    readiness: ready,
    reconcileQueue,
    async stop() {
      reportReadiness(undefined);
      await remediationMetrics.stop();
      await launcher.stop();
      await reconciler.stop();
      await watchers.stop();
      await controllers.stop();
      // Graceful: stop polling, let in-flight activities finish, then close.
      // (The SDK also reacts to SIGTERM/SIGINT itself; it may already be draining.)
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await pool.end();
      // The last spans (the run's end) leave before the process does.
      await traced?.flush();
    },
  };
}

/**
 * The SDK's own lines as pino JSON with the remediation's fields (PinoTemporalLogger).
 * It logs every worker state change at INFO: keep WARN and above unless
 * TEMPORAL_LOG_LEVEL says otherwise. Once per process.
 */
let runtimeInstalled = false;
function installQuietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN').toLowerCase();
    Runtime.install({
      logger: new PinoTemporalLogger(pino({ name: 'temporal', level, mixin: traceIdMixin })),
    });
  } catch {
    // already installed by the host process
  }
}
