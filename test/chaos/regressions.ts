/**
 * Seeds of schedules that once broke an invariant: every run replays them after
 * its random schedules, so a fix that regresses shows at once. Each says what it
 * found; the report of the run that found it says more.
 */
export const REGRESSION_SEEDS: { seed: number; found: string }[] = [
  {
    seed: 2175737001,
    found:
      'I1: a run terminated in Verifying as it wrote Completed was closed out over it (Failed with outcome Remediated); regressions.test.ts plays it deterministically',
  },
  {
    seed: 3098246673,
    found:
      'I1: a discarded workflow task wrote Failed through a local activity; its retry, past the Analyzing deadline, wrote TimedOut over it',
  },
  {
    seed: 1014328468,
    found:
      'I2: an RR deleted while its execution ran was taken for a stale lock holder (no bundle Job) before its execution was confirmed stopped',
  },
];
