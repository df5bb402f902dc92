import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../workers/runtime.js';
import { ensureWorkflowBundle } from '../../workers/workflow-bundle.js';
import { HISTORIES_DIR } from '../harness/histories.js';

describe('workflow determinism', () => {
  const files = readdirSync(fileURLToPath(HISTORIES_DIR)).filter((f) => f.endsWith('.json'));

  it('has recorded histories of every kind of remediation to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it('replays every recorded history against the current workflow code without non-determinism', async () => {
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(new URL(f, HISTORIES_DIR), 'utf8')),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });

  it('replays every recorded history on the traced bundle (OpenTelemetry workflow interceptors) too', async () => {
    // A worker with tracing on may pick up any run a worker without it began.
    const codePath = await ensureWorkflowBundle(() => {}, { tracing: true });
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: JSON.parse(readFileSync(new URL(f, HISTORIES_DIR), 'utf8')),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath } }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
