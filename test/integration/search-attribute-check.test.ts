/**
 * A worker refuses to start against a Temporal namespace that lacks a search attribute
 * its workflows upsert (workers/search-attribute-check.ts): such an upsert would fail
 * every workflow task and wedge every remediation. The refusal names what is missing
 * and the command that registers it.
 */
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTE_NAMES } from '../../lib/search-attributes.js';
import { startWorkerRuntime } from '../../workers/runtime.js';
import { checkSearchAttributes, MissingSearchAttributes } from '../../workers/search-attribute-check.js';
import { eventually, stackInfo } from '../harness/index.js';

describe('a worker and the search attributes of its Temporal namespace', () => {
  const s = stackInfo();
  const bare = `bare-${randomUUID().slice(0, 8)}`;
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: s.temporalAddress });
    await connection.workflowService.registerNamespace({
      namespace: bare,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await eventually(
      `namespace ${bare} to be served`,
      async () => connection.workflowService.describeNamespace({ namespace: bare }).then(() => true),
      30_000,
    );
  });
  afterAll(() => connection.close());

  it("the stack's namespace has every attribute: the check passes", async () => {
    expect(await checkSearchAttributes(connection, s.temporalNamespace)).toBe('ok');
  });

  it('a namespace without them: the check names each missing one and how to register it', async () => {
    const err = await checkSearchAttributes(connection, bare).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingSearchAttributes);
    expect((err as MissingSearchAttributes).missing).toEqual([...SEARCH_ATTRIBUTE_NAMES]);
    expect((err as Error).message).toContain(
      `temporal operator search-attribute create --namespace ${bare} --name BlockReason --type Keyword`,
    );
  });

  it('the worker runtime refuses to start there, before it polls a single task', async () => {
    await expect(
      startWorkerRuntime({
        temporalAddress: s.temporalAddress,
        temporalNamespace: bare,
        databaseUrl: s.databaseUrl,
        kubeconfigPath: s.kubeconfigPath,
        taskQueue: `never-${randomUUID()}`,
        watchNamespace: bare,
        childWatchers: false,
        controllers: { enabled: [] },
        log: () => {},
      }),
    ).rejects.toBeInstanceOf(MissingSearchAttributes);
  });
});
