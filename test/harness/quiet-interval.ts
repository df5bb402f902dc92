/**
 * A schedule interval for tests that trigger runs by hand and count them: Temporal
 * fires an interval schedule at every multiple of the interval since the Unix epoch
 * (plus its offset), so a one-hour schedule fires at the top of every hour — and a
 * test running across one saw a run it had not triggered (CI, 00:00 on 2026-12-01:
 * the runbook test read that run instead of its own). This answers the smallest
 * interval of at least `minMs`, in whole seconds, whose fire times are at least a
 * quarter of the interval away from `now` on both sides: no scheduled run comes
 * within 15 minutes of a test that uses an hour.
 *
 * Changing the interval by one second moves its phase against `now` by about
 * now/interval seconds (hundreds of thousands for an hour), so the search ends
 * within a few steps.
 */
export function quietIntervalMs(minMs: number, now: number = Date.now()): number {
  for (let every = Math.ceil(minMs / 1000) * 1000; ; every += 1000) {
    const sinceLastFire = now % every;
    if (sinceLastFire >= every / 4 && every - sinceLastFire >= every / 4) return every;
  }
}
