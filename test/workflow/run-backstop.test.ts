/**
 * I1's backstop (docs/invariants.md, workers/run-backstop.ts): a run whose workflow
 * task fails on every attempt never gets to end its RR, and Temporal's retries of
 * that task add nothing to its history. Started with an execution timeout of the RR's
 * global timeout plus a slack, the run is closed by the Temporal server, and the
 * reconciler closes the RR out: Failed, WorkflowTimedOut, audited and notified.
 * Here a worker runs poisoned workflow code on the run's task queue.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { createRemediationActivities } from '../../activities/remediation.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { ReconcileQueue } from '../../workers/reconcile-queue.js';
import { type Reconciler, startReconciler } from '../../workers/reconciler.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';

const EventType = proto.api.enums.v1.EventType;
const GLOBAL = '4s';
const SLACK_MS = 3_000;

describe('a run whose workflow task fails on every attempt', () => {
  const kc = loadKubeConfig(stackInfo().kubeconfigPath);
  const objects = new KubeObjects(kc);
  const taskQueue = uniqueName('poisoned');
  const pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 4 });
  let namespace: string;
  let connection: Connection;
  let nativeConnection: NativeConnection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  let reconciler: Reconciler;
  // There is no launcher here: the test hands the reconciler the new RR as the launcher
  // does with an RR it did not start, and the run's close reaches it through its changes pass.
  const queue = new ReconcileQueue();

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    namespace = await testNamespace('backstop');
    connection = await Connection.connect({ address: stackInfo().temporalAddress });
    client = new Client({ connection, namespace: stackInfo().temporalNamespace });
    nativeConnection = await NativeConnection.connect({ address: stackInfo().temporalAddress });
    worker = await Worker.create({
      connection: nativeConnection,
      namespace: stackInfo().temporalNamespace,
      taskQueue,
      workflowsPath: new URL('../fixtures/workflows/poisoned-remediation.ts', import.meta.url).pathname,
    });
    running = worker.run();
    reconciler = startReconciler({
      client,
      kc,
      activities: createRemediationActivities({ kc, audit: createAuditWriter(pool) }),
      pool,
      taskQueue,
      namespace,
      runSlackMs: SLACK_MS,
      intervalMs: 1_000,
      queue,
      log: () => {},
    });
    await reconciler.ready;
  });
  afterAll(async () => {
    await reconciler?.stop();
    worker?.shutdown();
    await running;
    await nativeConnection?.close();
    await connection?.close();
    await pool.end();
  });

  it('is closed by Temporal at its global timeout plus the slack, and the reconciler fails the RR (WorkflowTimedOut)', async () => {
    const name = uniqueName('rr');
    const rr = sampleRemediationRequest(namespace, name) as KubeObject;
    // A valid configuration: no phase may outlast the global timeout.
    rr.metadata.annotations = Object.fromEntries(
      ['global', 'processing', 'analyzing', 'awaitingApproval', 'executing', 'verifying'].map((k) => [
        `kubernaut.ai/timeout-${k}`,
        GLOBAL,
      ]),
    );
    await objects.create('remediationrequests', namespace, rr);
    // The reconciler starts the run (there is no launcher here).
    queue.settleLater(`${namespace}/${name}`);
    void reconciler.pass();
    const handle = client.workflow.getHandle(workflowIdFor(namespace, name));
    const started = await eventually(
      'the run to start',
      () => handle.describe().catch(() => undefined),
      30_000,
    );
    expect(Number(started.raw.executionConfig?.workflowExecutionTimeout?.seconds)).toBe(
      (4_000 + SLACK_MS) / 1000,
    );

    // Its workflow task fails, and keeps failing: the run is open, its RR untouched.
    await eventually(
      'a failed workflow task',
      async () => {
        const d = await handle.describe();
        const pending = d.raw.pendingWorkflowTask;
        return d.status.name === 'RUNNING' && (pending?.attempt ?? 0) >= 2;
      },
      30_000,
    );
    const history = await handle.fetchHistory();
    expect(history.events?.map((e) => e.eventType)).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    const open = await objects.get('remediationrequests', namespace, name);
    expect(open?.status?.overallPhase).toBeUndefined();

    const ended = await eventually(
      'the RR closed out',
      async () => {
        const got = await objects.get('remediationrequests', namespace, name);
        return got?.status?.overallPhase === 'Failed' ? got : undefined;
      },
      60_000,
    );
    expect((await handle.describe()).status.name).toBe('TIMED_OUT');
    expect(ended.status?.completionStatus).toMatchObject({ failureReason: 'WorkflowTimedOut' });
    const nr = await objects.get('notificationrequests', namespace, `nr-workflow-ended-${name}`);
    expect(nr?.spec).toMatchObject({ type: 'Escalation' });
    const { rows } = await pool.query<{ event_type: string }>(
      'SELECT event_type FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
      [name],
    );
    expect(rows.map((r) => r.event_type)).toContain('orchestrator.lifecycle.failed');
  });
});
