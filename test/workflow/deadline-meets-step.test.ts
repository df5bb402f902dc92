/**
 * I1 (docs/invariants.md): a deadline that passes while a step is in flight ends the
 * phase, whatever happened to the worker running the step.
 *
 * The path that used to wedge a run: a worker dies in the middle of a step (a local
 * activity), so nothing records it; the phase's deadline passes while no worker runs.
 * The next worker replays up to the step, runs it again — live, for nothing recorded
 * it — and, in the same workflow task, receives the deadline's timer and cancels the
 * phase. A plain local activity is cancelled there; when it has already finished in
 * the SDK's core, core fails the task ("Invalid transition in state machine"), on
 * every attempt. A step taken as the remediation takes it (workflows/step-calls.ts) is
 * never cancelled: the phase ends at its deadline, with no failed workflow task.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, stackInfo, uniqueName } from '../harness/index.js';
import { WorkerProcess } from '../reliability/worker-process.js';

const EventType = proto.api.enums.v1.EventType;
const WORKFLOWS = 6;
/** From the run's start; after the dying worker's task has been heartbeated and it is killed. */
const DEADLINE_MS = 15_000;
const workflowsPath = new URL('../fixtures/workflows/deadline-step.ts', import.meta.url).pathname;

type History = proto.api.history.v1.IHistory;
const count = (h: History, type: number) => (h.events ?? []).filter((e) => e.eventType === type).length;
/** A probe for `eventually`: every run's history says `holds`. */
const everyHistory = (handles: WorkflowHandle[], holds: (h: History) => boolean) => async () =>
  (await Promise.all(handles.map((h) => h.fetchHistory()))).every(holds);

describe('a phase deadline that passes while a step is in flight', () => {
  const taskQueue = uniqueName('deadline-step');
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    connection = await Connection.connect({ address: stackInfo().temporalAddress });
    client = new Client({ connection, namespace: stackInfo().temporalNamespace });
  });
  afterAll(async () => {
    await connection?.close();
  });

  /** Runs WORKFLOWS runs through the crash; their histories once the second worker has ended them. */
  async function throughACrash(runToEnd: boolean): Promise<{ results: string[]; histories: History[] }> {
    const dying = new WorkerProcess(
      {
        TEMPORAL_ADDRESS: stackInfo().temporalAddress,
        TEMPORAL_NAMESPACE: stackInfo().temporalNamespace,
        KUBERNAUT_TEST_TASK_QUEUE: `${taskQueue}-${runToEnd}`,
      },
      'test/fixtures/deadline-step-worker.ts',
    );
    await dying.start();
    let handles: WorkflowHandle[] = [];
    try {
      handles = await Promise.all(
        Array.from({ length: WORKFLOWS }, () =>
          client.workflow.start('deadlineOverStep', {
            taskQueue: `${taskQueue}-${runToEnd}`,
            workflowId: uniqueName('deadline-step'),
            args: [DEADLINE_MS, runToEnd],
            // The worker heartbeats a task whose step runs past 80 % of this: the step's
            // schedule is then recorded, its result never is.
            workflowTaskTimeout: '2s',
          }),
        ),
      );
      await eventually(
        'each run to have recorded its step started, with no result',
        everyHistory(
          handles,
          (h) =>
            count(h, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) >= 2 &&
            count(h, EventType.EVENT_TYPE_MARKER_RECORDED) === 0,
        ),
        DEADLINE_MS - 3_000,
        100,
      );
    } finally {
      await dying.kill();
    }
    await eventually(
      "each run's deadline to have passed with no worker",
      everyHistory(handles, (h) => count(h, EventType.EVENT_TYPE_TIMER_FIRED) === 2),
      30_000,
      200,
    );
    const nativeConnection = await NativeConnection.connect({ address: stackInfo().temporalAddress });
    const next = await Worker.create({
      connection: nativeConnection,
      namespace: stackInfo().temporalNamespace,
      taskQueue: `${taskQueue}-${runToEnd}`,
      workflowsPath,
      activities: { step: async () => 'done' },
    });
    const results: string[] = [];
    const histories: History[] = [];
    await next.runUntil(async () => {
      // A run whose task fails is retried for ever; it is read once it has failed.
      await eventually(
        'each run to end, or to fail a workflow task',
        everyHistory(
          handles,
          (h) =>
            count(h, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) === 1 ||
            count(h, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) > 0,
        ),
        60_000,
        200,
      );
      for (const h of handles) {
        histories.push(await h.fetchHistory());
        const d = await h.describe();
        results.push(d.status.name === 'COMPLETED' ? await h.result() : d.status.name);
      }
    });
    await Promise.all(handles.map((h) => h.terminate('test finished').catch(() => {})));
    await nativeConnection.close();
    return { results, histories };
  }

  it('on a worker that died: the next worker ends the phase at its deadline, with no failed workflow task', async () => {
    const { results, histories } = await throughACrash(true);
    expect(histories.map((h) => count(h, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED))).toEqual(
      Array(WORKFLOWS).fill(0),
    );
    expect(results).toEqual(Array(WORKFLOWS).fill('deadline'));
  }, 180_000);

  it('on a worker that died, with a plain local activity instead: the task fails on every attempt (why steps run to their end)', async () => {
    // The control: this path does reach the SDK's race. If it stops failing, the SDK
    // has fixed it (temporalio/sdk-rust#705's family) and step-calls.ts can go.
    const { results, histories } = await throughACrash(false);
    const failed = histories.map((h) => count(h, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) > 0);
    const messages = histories.flatMap((h) =>
      (h.events ?? []).flatMap((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? []),
    );
    expect(failed.filter(Boolean).length).toBeGreaterThan(0);
    for (const message of messages) expect(message).toContain('Invalid transition in state machine');
    // A run whose task failed has not moved on: it is wedged until something closes it.
    expect(results.filter((_, i) => failed[i])).toEqual(Array(failed.filter(Boolean).length).fill('RUNNING'));
  }, 180_000);

  it('stops a step still retrying at the deadline: the phase ends, and no attempt starts after the deadline', async () => {
    const attempts: number[] = [];
    const nativeConnection = await NativeConnection.connect({ address: stackInfo().temporalAddress });
    const queue = `${taskQueue}-retrying`;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: stackInfo().temporalNamespace,
      taskQueue: queue,
      workflowsPath,
      activities: {
        step: async () => {
          attempts.push(Date.now());
          throw new Error('the apiserver answered 500');
        },
      },
    });
    const deadlineMs = 3_000;
    const started = Date.now();
    const result = await worker.runUntil(
      client.workflow.execute('deadlineOverStep', {
        taskQueue: queue,
        workflowId: uniqueName('deadline-retrying'),
        args: [deadlineMs, true],
      }),
    );
    await nativeConnection.close();
    expect(result).toBe('deadline');
    expect(attempts.length).toBeGreaterThanOrEqual(2); // it was retrying
    // Workflow time trails the wall clock by the time a task takes to reach the worker.
    for (const at of attempts) expect(at - started).toBeLessThan(deadlineMs + 2_000);
  }, 60_000);
});
