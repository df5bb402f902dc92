/**
 * The embedded stack: PostgreSQL, a Temporal dev server and a local Kubernetes
 * control plane, each started here unless the environment names a real one
 * (DATABASE_URL, TEMPORAL_ADDRESS, KUBECONFIG); and Jaeger, the trace backend,
 * when asked for (`tracing: true`, docs/tracing.md). PostgreSQL has one role per job
 * (docs/database-roles.md); external services name them with DATABASE_MIGRATION_URL
 * and DATABASE_SEQUENCER_URL, each defaulting to DATABASE_URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StartedJaeger, startJaeger } from './jaeger.js';
import { type StartedKube, startKube } from './kube.js';
import { type StartedPostgres, startPostgres } from './postgres.js';
import { onShutdown, removeOnExit } from './shutdown.js';
import { type StartedTemporal, startTemporal } from './temporal.js';
import { resolveTool } from './tools.js';

export interface StackEndpoints {
  /** The app's connection: INSERT and SELECT on the audit tables (kubernaut_writer). */
  databaseUrl: string;
  /** Migrations run as the owner (DATABASE_MIGRATION_URL; default databaseUrl). */
  migrationDatabaseUrl: string;
  /** The audit log's sequencer (DATABASE_SEQUENCER_URL; default databaseUrl). */
  sequencerDatabaseUrl: string;
  /**
   * A superuser, for tests that tamper as a database administrator would: the
   * embedded one, or DATABASE_ADMIN_URL (default the migration URL).
   */
  adminDatabaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  /** Web UI of the embedded dev server; unknown for an external Temporal. */
  temporalUiUrl?: string;
  kubeconfigPath: string;
  /** Jaeger's UI and query API, when the stack started it (tracing asked for). */
  jaegerUiUrl?: string;
  /** Where spans go over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT), when tracing. */
  otlpEndpoint?: string;
}

export interface Stack extends StackEndpoints {
  workDir: string;
  /** Present when the stack started them (absent for external services). */
  postgres?: StartedPostgres;
  temporal?: StartedTemporal;
  kube?: StartedKube;
  jaeger?: StartedJaeger;
  /** Environment variables that point a worker, API or CLI at this stack. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: (line: string) => void;
  /** Start kube-controller-manager (garbage collection); default true. */
  controllerManager?: boolean;
  /**
   * Start Jaeger and point OTLP at it (default false). An OTEL_EXPORTER_OTLP_ENDPOINT
   * already set names an external backend instead, and no Jaeger starts.
   */
  tracing?: boolean;
}

export async function startStack(opts: StartOptions = {}): Promise<Stack> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[stack] ${l}\n`));
  const workDir = mkdtempSync(join(tmpdir(), 'kubernaut-stack-'));
  const keepWorkDir = removeOnExit(workDir);
  const started: { stop(): Promise<void> }[] = [];
  // Once, however many times it is asked for (a signal and stack.stop() may race).
  let stopped: Promise<void> | undefined;
  const stopAll = () => {
    stopped ??= (async () => {
      for (const s of [...started].reverse())
        await s.stop().catch((e) => log(`stop: ${(e as Error).message}`));
      rmSync(workDir, { recursive: true, force: true });
      keepWorkDir();
    })();
    return stopped;
  };
  // Ctrl-C / SIGTERM: stop every service and remove the stack's folders.
  const unregister = onShutdown(stopAll);
  try {
    // Obtain binaries first (may build them), so the services then start together.
    const needTemporal = !process.env.TEMPORAL_ADDRESS;
    const needKube = !process.env.KUBECONFIG;
    const temporalBin = needTemporal ? (await resolveTool('temporal', log)).path : undefined;
    const kubeBins = needKube
      ? {
          etcd: (await resolveTool('etcd', log)).path,
          apiserver: (await resolveTool('kube-apiserver', log)).path,
          controllerManager:
            opts.controllerManager === false
              ? undefined
              : (await resolveTool('kube-controller-manager', log)).path,
        }
      : undefined;
    const jaegerBin =
      opts.tracing && !process.env.OTEL_EXPORTER_OTLP_ENDPOINT
        ? (await resolveTool('jaeger', log)).path
        : undefined;

    const t0 = Date.now();
    // allSettled, not all: a service that did start must be stopped even when
    // another one failed.
    const results = await Promise.allSettled([
      process.env.DATABASE_URL ? undefined : startPostgres(log),
      temporalBin ? startTemporal(temporalBin, workDir) : undefined,
      kubeBins ? startKube(kubeBins, workDir) : undefined,
      jaegerBin ? startJaeger(jaegerBin, workDir) : undefined,
    ] as const);
    for (const r of results) if (r.status === 'fulfilled' && r.value) started.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [postgres, temporal, kube, jaeger] = results.map(
      (r) => (r as PromiseFulfilledResult<unknown>).value,
    ) as [
      StartedPostgres | undefined,
      StartedTemporal | undefined,
      StartedKube | undefined,
      StartedJaeger | undefined,
    ];
    log(`stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const env0 = process.env;
    const external = env0.DATABASE_URL!;
    const endpoints: StackEndpoints = {
      databaseUrl: postgres?.url ?? external,
      migrationDatabaseUrl: postgres?.migrationUrl ?? env0.DATABASE_MIGRATION_URL ?? external,
      sequencerDatabaseUrl: postgres?.sequencerUrl ?? env0.DATABASE_SEQUENCER_URL ?? external,
      adminDatabaseUrl:
        postgres?.adminUrl ?? env0.DATABASE_ADMIN_URL ?? env0.DATABASE_MIGRATION_URL ?? external,
      temporalAddress: temporal?.address ?? process.env.TEMPORAL_ADDRESS!,
      temporalNamespace: temporal?.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
      temporalUiUrl: temporal?.uiUrl ?? process.env.TEMPORAL_UI_URL,
      kubeconfigPath: kube?.kubeconfigPath ?? process.env.KUBECONFIG!,
      jaegerUiUrl: jaeger?.uiUrl,
      otlpEndpoint:
        jaeger?.otlpEndpoint ?? (opts.tracing ? process.env.OTEL_EXPORTER_OTLP_ENDPOINT : undefined),
    };
    const env = () => ({
      DATABASE_URL: endpoints.databaseUrl,
      DATABASE_MIGRATION_URL: endpoints.migrationDatabaseUrl,
      DATABASE_SEQUENCER_URL: endpoints.sequencerDatabaseUrl,
      TEMPORAL_ADDRESS: endpoints.temporalAddress,
      TEMPORAL_NAMESPACE: endpoints.temporalNamespace,
      KUBECONFIG: endpoints.kubeconfigPath,
      ...(endpoints.temporalUiUrl ? { TEMPORAL_UI_URL: endpoints.temporalUiUrl } : {}),
      ...(endpoints.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpEndpoint } : {}),
      ...(endpoints.jaegerUiUrl ? { JAEGER_UI_URL: endpoints.jaegerUiUrl } : {}),
    });
    writeFileSync(
      join(workDir, 'env'),
      `${Object.entries(env())
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n')}\n`,
    );
    return {
      ...endpoints,
      workDir,
      postgres,
      temporal,
      kube,
      jaeger,
      env,
      async stop() {
        unregister();
        await stopAll();
      },
    };
  } catch (err) {
    unregister();
    await stopAll();
    throw err;
  }
}
