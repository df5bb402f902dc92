import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_SLACK_MS, runExecutionTimeoutMs, runSlackFromEnv } from '../../workers/run-backstop.js';

describe("a run's execution timeout (I1's backstop)", () => {
  it('is the global timeout the workflow will use, plus the slack', () => {
    expect(runExecutionTimeoutMs(undefined, {}, 60_000)).toBe(3_600_000 + 60_000);
    expect(runExecutionTimeoutMs({ global: '2h' }, {}, 1_000)).toBe(7_200_000 + 1_000);
    // The RR's own override wins over the worker's default, as in the workflow.
    expect(runExecutionTimeoutMs({ global: '2h' }, { global: '45m' }, 1_000)).toBe(2_700_000 + 1_000);
  });

  it("falls back to the default global timeout when the RR's configuration is invalid (the workflow fails it at once)", () => {
    expect(runExecutionTimeoutMs(undefined, { global: 'soon' }, 5_000)).toBe(3_600_000 + 5_000);
    expect(runExecutionTimeoutMs({ global: '2h' }, { processing: '3h' }, 5_000)).toBe(7_200_000 + 5_000);
    // A global timeout shorter than a phase's is invalid too (executing defaults to 30m).
    expect(runExecutionTimeoutMs(undefined, { global: '10m' }, 5_000)).toBe(3_600_000 + 5_000);
  });

  it('takes its slack from KUBERNAUT_RUN_SLACK_MS, 15 minutes by default, and refuses a malformed value by name', () => {
    expect(runSlackFromEnv({})).toBe(DEFAULT_RUN_SLACK_MS);
    expect(DEFAULT_RUN_SLACK_MS).toBe(900_000);
    expect(runSlackFromEnv({ KUBERNAUT_RUN_SLACK_MS: '120000' })).toBe(120_000);
    for (const bad of ['15m', '-1', '999', '1.5'])
      expect(() => runSlackFromEnv({ KUBERNAUT_RUN_SLACK_MS: bad })).toThrow(/KUBERNAUT_RUN_SLACK_MS/);
  });
});
