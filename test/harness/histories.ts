/**
 * Recorded workflow histories for the replay test. `RECORD_HISTORIES=1 npx vitest
 * run test/workflow` writes the histories of the workflows a test file ran into
 * test/fixtures/histories/, to be committed; the replay test then runs them against
 * the current workflow code, so a change that would break running workflows fails CI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const HISTORIES_DIR = new URL('../fixtures/histories/', import.meta.url);

export async function recordHistories(client: Client, label: string, workflowIds: string[]): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  let i = 0;
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    writeFileSync(new URL(`${label}-${++i}.json`, HISTORIES_DIR), historyToJSON(history));
  }
}
