import { describe, expect, it } from 'vitest';
import type { StepActivities } from '../../workflows/activities.js';
import { oneStepAtATime } from '../../workflows/one-step-at-a-time.js';

/** Steps that take a while and say how many of them ran at once. */
function fakeSteps() {
  const log: string[] = [];
  let inFlight = 0;
  let most = 0;
  const step =
    (name: string, fail = false) =>
    async (input: { tag: string }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      log.push(`start ${name} ${input.tag}`);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      log.push(`end ${name} ${input.tag}`);
      if (fail) throw new Error(`${name} refused`);
      return name;
    };
  const steps = {
    recordAuditEvent: step('audit'),
    writeRemediationStatus: step('status'),
    ensureChild: step('ensure', true),
    readChild: step('read'),
    releaseTargetLock: step('release'),
  } as unknown as StepActivities;
  return { steps, log, most: () => most };
}

describe("a run's local activities, one at a time", () => {
  it('never has two in flight, and runs them in the order they were called', async () => {
    const f = fakeSteps();
    const s = oneStepAtATime(f.steps) as unknown as Record<string, (i: { tag: string }) => Promise<string>>;
    // As enter() calls them: the status write and the audit row under Promise.all.
    const results = await Promise.all([
      s.writeRemediationStatus!({ tag: '1' }),
      s.recordAuditEvent!({ tag: '2' }),
    ]);
    expect(results).toEqual(['status', 'audit']);
    expect(f.most()).toBe(1);
    expect(f.log).toEqual(['start status 1', 'end status 1', 'start audit 2', 'end audit 2']);
  });

  it('goes on after a step that failed, which fails its own caller only', async () => {
    const f = fakeSteps();
    const s = oneStepAtATime(f.steps) as unknown as Record<string, (i: { tag: string }) => Promise<string>>;
    const [refused, read] = await Promise.allSettled([
      s.ensureChild!({ tag: 'a' }),
      s.readChild!({ tag: 'b' }),
    ]);
    expect(refused).toMatchObject({ status: 'rejected', reason: { message: 'ensure refused' } });
    expect(read).toEqual({ status: 'fulfilled', value: 'read' });
    expect(f.most()).toBe(1);
  });
});
