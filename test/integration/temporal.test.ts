import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_NAMES } from '../../lib/search-attributes.js';
import { stackInfo } from '../harness/index.js';

describe('Temporal dev server of the stack', () => {
  const { temporalAddress: address, temporalNamespace: namespace } = stackInfo();
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address });
  });
  afterAll(() => connection.close());

  it('runs a workflow with one activity to completion on a real worker', async () => {
    const taskQueue = `greet-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      workflowsPath: new URL('../fixtures/workflows/greet.ts', import.meta.url).pathname,
      activities: { greet: async (name: string) => `hello, ${name}` },
    });
    const client = new Client({ connection, namespace });
    const result = await worker.runUntil(
      client.workflow.execute('greetWorkflow', {
        taskQueue,
        workflowId: `greet-${randomUUID()}`,
        args: ['operator'],
      }),
    );
    await nativeConnection.close();
    expect(result).toBe('hello, operator');
  });

  it('has every custom search attribute the UI filters on, as Keyword', async () => {
    const res = await connection.operatorService.listSearchAttributes({ namespace });
    const custom = res.customAttributes ?? {};
    for (const name of SEARCH_ATTRIBUTE_NAMES) {
      // 2 = INDEXED_VALUE_TYPE_KEYWORD in the Temporal API enum
      expect(custom[name], name).toBe(2);
    }
  });
});
