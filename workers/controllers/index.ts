/**
 * Starts the enabled built-in child controllers (DESIGN §6), each a reconcile
 * loop over its kind. A kind whose controller is off is left untouched, so an
 * external controller (Kubernaut's own, or a test) can own it.
 */
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { KubeObjects } from '../../activities/kube-objects.js';
import type { AuditWriter } from '../../lib/audit/types.js';
import type { HistorySource } from '../../lib/history/query.js';
import { traceIdMixin } from '../../lib/tracing/log-fields.js';
import type { RunningInformer } from '../informer.js';
import { aiAnalysisReconciler } from './ai-analysis.js';
import { type CatalogWatch, startCatalogWatch } from './catalog-watch.js';
import type { ControllerName, ControllersConfig } from './config.js';
import { effectivenessReconciler } from './effectiveness-assessment.js';
import { notificationReconciler } from './notification.js';
import { type Reconciler, startReconcileLoop } from './reconcile-loop.js';
import { signalProcessingReconciler } from './signal-processing.js';
import { workflowExecutionReconciler } from './workflow-execution.js';

export function startControllers(opts: {
  kc: KubeConfig;
  audit: AuditWriter;
  config: ControllersConfig;
  namespace?: string;
  /** Remediation history for the analysis (lib/history); absent: analyses see none. */
  history?: HistorySource;
}): RunningInformer & { running: ControllerName[] } {
  const { kc, config } = opts;
  const logger =
    config.logger ??
    pino({ name: 'controllers', level: process.env.LOG_LEVEL ?? 'info', mixin: traceIdMixin });
  const objects = new KubeObjects(kc);
  const replicaId = config.replicaId ?? `${hostname()}-${process.pid}`;
  const running = [...new Set(config.enabled)];
  // The analysis's catalog: RemediationWorkflow objects, watched live (catalog-watch.ts).
  const catalog: CatalogWatch | undefined = running.includes('aianalysis')
    ? startCatalogWatch({ kc, logger, namespace: config.aiAnalysis?.catalogNamespace })
    : undefined;
  // Built eagerly so a bad configuration (catalog, provider) fails the start.
  const factories: Record<ControllerName, () => Reconciler> = {
    signalprocessing: () => signalProcessingReconciler(kc, config.signalProcessing),
    aianalysis: () => aiAnalysisReconciler(kc, config.aiAnalysis ?? {}, catalog!, opts.history),
    workflowexecution: () => workflowExecutionReconciler(kc, objects),
    effectivenessassessment: () => effectivenessReconciler(kc, objects, config.effectiveness, opts.audit),
    notification: () =>
      notificationReconciler({ kc, objects, audit: opts.audit, logger, replicaId, cfg: config.notification }),
  };
  const loops = running.map((name) =>
    startReconcileLoop({ kc, objects, reconciler: factories[name](), logger, namespace: opts.namespace }),
  );
  if (running.length) logger.info({ controllers: running }, 'built-in controllers started');
  return {
    running,
    ready: Promise.all([...loops.map((l) => l.ready), catalog?.ready]).then(() => {}),
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      await catalog?.stop();
    },
  };
}
