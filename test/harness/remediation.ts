/**
 * Harness for workflow tests: a worker runtime watching one test namespace, and
 * helpers that play the child controllers by writing child status — or, with the
 * `controllers` option, the built-in controllers doing that work for real.
 */
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { CHILD_KINDS, type ChildKind } from '../../lib/kinds.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import type { RemediationRequestSpec } from '../../lib/remediation-request.js';
import type { ControllersConfig } from '../../workers/controllers/config.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../workers/runtime.js';
import type { RemediationInput } from '../../workflows/remediation.js';
import { sampleRemediationRequest } from './fixtures.js';
import { eventually, kube, stackInfo, testNamespace, uniqueName } from './index.js';

/** What an RR the harness creates may differ in. */
export interface RROptions {
  annotations?: Record<string, string>;
  target?: string;
  /** The target's namespace (default: the harness's). */
  targetNamespace?: string;
  fingerprint?: string;
  targetKind?: string;
  signalName?: string;
  severity?: string;
}

export interface AuditRow {
  event_type: string;
  actor_type: string;
  actor_id: string;
  event_data: Record<string, unknown>;
}

export interface RemediationHarness {
  namespace: string;
  runtime: WorkerRuntime;
  objects: KubeObjects;
  pool: pg.Pool;
  /** Workflow ids of the RRs this file created (for recording histories). */
  created: string[];
  createRR(opts?: RROptions): Promise<string>;
  waitForChild(kind: ChildKind, name: string): Promise<KubeObject>;
  setStatus(
    kind: ChildKind | 'RemediationRequest',
    name: string,
    status: Record<string, unknown>,
  ): Promise<void>;
  waitForPhase(rrName: string, phases: string[], timeoutMs?: number): Promise<KubeObject>;
  auditTypes(rrName: string): Promise<string[]>;
  /** The RR's audit events in chain order: type, actor and data. */
  auditRows(rrName: string): Promise<AuditRow[]>;
  /** Creates an RR and plays enrichment and analysis (approval required) until it awaits approval. */
  awaitingApproval(opts?: RROptions): Promise<string>;
  /** Plays an existing RR's enrichment and analysis (approval required) until it awaits approval. */
  playToApproval(rrName: string): Promise<void>;
  /** Plays the execution and the effectiveness assessment to Completed. */
  playExecutionAndVerification(rrName: string): Promise<void>;
  /** Deletes the RR (as kubectl delete would: its workflow is cancelled, its children collected). */
  deleteRR(rrName: string): Promise<void>;
  /** Stops the worker, runs `whileDown` (what happens while no worker runs), starts it again. */
  restartWorker(whileDown?: () => Promise<void>): Promise<void>;
}

export interface HarnessOptions {
  /** Built-in controllers to run (default none: the test plays them with setStatus). */
  controllers?: Partial<ControllersConfig>;
  /** The worker's workflow cache size (default: the runtime's). */
  maxCachedWorkflows?: number;
  /** Time between the reconciler's passes (default: the runtime's, 30 s). */
  reconcileIntervalMs?: number;
  /** Time between the reconciler's full passes (default: the runtime's, 10 min). */
  reconcileFullIntervalMs?: number;
  /** Where the worker finds Temporal (default the stack's; read when it starts, e.g. through a proxy). */
  temporalAddress?: () => string;
  /** How far back the reconciler's changes pass asks for closed runs (default: the runtime's). */
  reconcileLookbackMs?: number;
  /** Where the worker finds PostgreSQL (default the stack's; read when it starts, e.g. through a proxy). */
  databaseUrl?: () => string;
  /** The worker's kubeconfig (default the stack's; read when it starts). */
  kubeconfigPath?: () => string;
  /** The worker's JSON logger (launcher lines; default: the controllers'). */
  logger?: Logger;
  /** false: the worker runs no child watchers (the test runs its own). */
  childWatchers?: boolean;
}

export function useRemediationHarness(
  settings: RemediationInput['settings'] = {},
  opts: HarnessOptions = {},
): RemediationHarness {
  const h = {
    objects: new KubeObjects(loadKubeConfig(stackInfo().kubeconfigPath)),
    created: [] as string[],
  } as RemediationHarness;
  const taskQueue = uniqueName('remediation');
  const start = () =>
    startWorkerRuntime({
      temporalAddress: opts.temporalAddress?.() ?? stackInfo().temporalAddress,
      temporalNamespace: stackInfo().temporalNamespace,
      databaseUrl: opts.databaseUrl?.() ?? stackInfo().databaseUrl,
      kubeconfigPath: opts.kubeconfigPath?.() ?? stackInfo().kubeconfigPath,
      taskQueue,
      watchNamespace: h.namespace,
      settings: { safetyRecheckMs: 60_000, ...settings },
      maxCachedWorkflows: opts.maxCachedWorkflows,
      reconcileIntervalMs: opts.reconcileIntervalMs,
      reconcileFullIntervalMs: opts.reconcileFullIntervalMs,
      reconcileLookbackMs: opts.reconcileLookbackMs,
      childWatchers: opts.childWatchers,
      log: () => {},
      logger: opts.logger,
      controllers: {
        enabled: [],
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        ...opts.controllers,
      },
    });
  beforeAll(async () => {
    h.namespace = await testNamespace('wf');
    h.pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 4 });
    h.runtime = await start();
  });
  h.restartWorker = async (whileDown) => {
    await h.runtime.stop();
    await whileDown?.();
    h.runtime = await start();
  };
  afterAll(async () => {
    await h.runtime?.stop();
    await h.pool?.end();
  });
  h.createRR = async (opts = {}) => {
    const name = uniqueName('rr');
    const rr = sampleRemediationRequest(
      h.namespace,
      name,
      opts.target ?? uniqueName('web'),
    ) as unknown as KubeObject;
    if (opts.annotations) rr.metadata.annotations = opts.annotations;
    if (opts.fingerprint) rr.spec!.signalFingerprint = opts.fingerprint;
    const spec = rr.spec as unknown as RemediationRequestSpec;
    if (opts.targetNamespace) spec.targetResource.namespace = opts.targetNamespace;
    if (opts.targetKind) {
      spec.targetResource.kind = opts.targetKind;
      spec.targetResource.apiVersion = opts.targetKind === 'Deployment' ? 'apps/v1' : 'v1';
      if (opts.targetKind === 'Node') delete spec.targetResource.namespace;
    }
    if (opts.signalName) spec.signalName = opts.signalName;
    if (opts.severity) spec.severity = opts.severity;
    await h.objects.create('remediationrequests', h.namespace, rr);
    h.created.push(workflowIdFor(h.namespace, name));
    return name;
  };
  h.waitForChild = (kind, name) =>
    eventually(
      `${kind} ${name} to be created`,
      () => h.objects.get(CHILD_KINDS[kind].plural, h.namespace, name),
      30_000,
    );
  h.setStatus = async (kind, name, status) => {
    const plural = kind === 'RemediationRequest' ? 'remediationrequests' : CHILD_KINDS[kind].plural;
    await h.objects.mergeStatus(plural, h.namespace, name, status);
  };
  h.waitForPhase = (rrName, phases, timeoutMs = 30_000) =>
    eventually(
      `RR ${rrName} to reach ${phases.join('/')}`,
      async () => {
        const rr = await h.objects.get('remediationrequests', h.namespace, rrName);
        return rr && phases.includes(rr.status?.overallPhase as string) ? rr : undefined;
      },
      timeoutMs,
    );
  h.playToApproval = async (rr) => {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(true));
    await h.waitForPhase(rr, ['AwaitingApproval']);
  };
  h.awaitingApproval = async (opts) => {
    const rr = await h.createRR(opts);
    await h.playToApproval(rr);
    return rr;
  };
  h.playExecutionAndVerification = async (rr) => {
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, { phase: 'Completed' });
    await h.waitForChild('EffectivenessAssessment', `ea-${rr}`);
    await h.setStatus('EffectivenessAssessment', `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'Full',
    });
  };
  h.deleteRR = async (rr) => {
    await kube().custom.deleteNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace: h.namespace,
      plural: 'remediationrequests',
      name: rr,
    });
  };
  h.auditTypes = async (rrName) => {
    const { rows } = await h.pool.query(
      'SELECT event_type FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
      [rrName],
    );
    return rows.map((r) => r.event_type as string);
  };
  h.auditRows = async (rrName) =>
    (
      await h.pool.query<AuditRow>(
        'SELECT event_type, actor_type, actor_id, event_data FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
        [rrName],
      )
    ).rows;
  return h;
}

/** What the built-in controllers would report, for tests that play them. */
export const completedEnrichment = {
  phase: 'Completed',
  environmentClassification: {
    environment: 'Production',
    source: 'namespace-label',
    classifiedAt: new Date().toISOString(),
  },
  priorityAssignment: { priority: 'P1', source: 'matrix', assignedAt: new Date().toISOString() },
  signalClassification: { severity: 'critical', signalMode: 'reactive' },
};

/** In Kubernaut's shape: the root cause and the selected workflow under status.rcaResult. */
export const completedAnalysis = (approvalRequired: boolean) => ({
  phase: 'Completed',
  reason: 'AnalysisCompleted',
  rcaResult: {
    rootCause: 'the container exhausts its memory and restarts',
    selectedWorkflow: {
      workflowId: 'restart-deployment',
      workflowName: 'Restart deployment',
      version: '1.0.0',
      actionType: 'restart',
      executionBundle: 'builtin:restart',
      confidence: 0.9,
      rationale: 'a rolling restart clears the leaked memory',
    },
  },
  approval: { approvalRequired, ...(approvalRequired ? { approvalReason: 'production environment' } : {}) },
});
