import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../harness/fixtures.js';
import { recordHistories } from '../harness/histories.js';
import { eventually, uniqueName } from '../harness/index.js';
import { completedAnalysis, completedEnrichment, useRemediationHarness } from '../harness/remediation.js';

describe('remediation workflow: routing before execution', () => {
  // Short cooldowns so the time-based rules can be seen to end, yet long enough (8 s) that a
  // slow machine still reaches routing inside them; thresholds as Kubernaut's.
  const h = useRemediationHarness({
    routingRules: { backoffBaseMs: 8_000, backoffMaxMs: 16_000, recentlyRemediatedCooldownMs: 8_000 },
  });
  afterAll(async () => {
    await recordHistories(h.runtime.client, 'routing', h.created);
  });
  const routing = (rr: { status?: Record<string, unknown> }) =>
    rr.status?.routingStatus as Record<string, string>;

  async function toRouting(rr: string) {
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, completedEnrichment);
    await h.waitForChild('AIAnalysis', `ai-${rr}`);
    await h.setStatus('AIAnalysis', `ai-${rr}`, completedAnalysis(false));
  }
  async function finishExecution(rr: string) {
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    await h.setStatus('WorkflowExecution', `we-${rr}`, { phase: 'Completed' });
  }
  async function finishVerification(rr: string) {
    await h.waitForChild('EffectivenessAssessment', `ea-${rr}`);
    await h.setStatus('EffectivenessAssessment', `ea-${rr}`, {
      phase: 'Completed',
      assessmentReason: 'Full',
    });
    await h.waitForPhase(rr, ['Completed']);
  }
  async function failInProcessing(target: string) {
    const rr = await h.createRR({ target });
    await h.waitForChild('SignalProcessing', `sp-${rr}`);
    await h.setStatus('SignalProcessing', `sp-${rr}`, {
      phase: 'Failed',
      failureInfo: { error: 'enrichment failed' },
    });
    await h.waitForPhase(rr, ['Failed']);
    return rr;
  }
  const blockAudit = async (rr: string) => {
    const { rows } = await h.pool.query(
      "SELECT event_data FROM audit_events WHERE correlation_id = $1 AND event_type = 'orchestrator.routing.blocked'",
      [rr],
    );
    return rows.map((r) => r.event_data as Record<string, unknown>);
  };

  it('DuplicateInProgress: a younger RR with the same fingerprint waits, then inherits the older one’s outcome', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await toRouting(first);
    await h.waitForPhase(first, ['Executing']);
    const second = await h.createRR({ target });
    await toRouting(second);
    const blocked = await h.waitForPhase(second, ['Blocked']);
    expect(routing(blocked)).toMatchObject({ blockReason: 'DuplicateInProgress', duplicateOf: first });
    const audited = await eventually(
      'the routing.blocked audit event',
      async () => (await blockAudit(second))[0],
    );
    expect(audited).toMatchObject({ block_reason: 'DuplicateInProgress', duplicate_of: first });
    await finishExecution(first);
    await finishVerification(first);
    const inherited = await h.waitForPhase(second, ['Completed']);
    expect((inherited.status?.completionStatus as Record<string, string> | undefined)?.outcome).toBe(
      'Remediated',
    );
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${second}`)).toBeNull();
  });

  it('ResourceBusy: two RRs on one target never execute at once; the second runs once the first leaves Executing', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await toRouting(first);
    await h.waitForPhase(first, ['Executing']);
    const second = await h.createRR({ target, fingerprint: fingerprintOf(`other-signal:${target}`) });
    await toRouting(second);
    const blocked = await h.waitForPhase(second, ['Blocked']);
    expect(routing(blocked)).toMatchObject({ blockReason: 'ResourceBusy' });
    expect(await h.objects.get('workflowexecutions', h.namespace, `we-${second}`)).toBeNull();
    await finishExecution(first);
    const running = await h.waitForPhase(second, ['Executing']);
    // The block has cleared: its reason no longer shows on the RR.
    expect(routing(running)?.blockReason).toBeUndefined();
    expect((await h.objects.get('remediationrequests', h.namespace, first))?.status?.overallPhase).not.toBe(
      'Executing',
    );
  });

  it('ConsecutiveFailures: after 3 failed RRs for a signal, the next one is Blocked for an hour and notified', async () => {
    const target = uniqueName('web');
    for (let i = 0; i < 3; i++) await failInProcessing(target);
    const rr = await h.createRR({ target });
    await toRouting(rr);
    const blocked = await h.waitForPhase(rr, ['Blocked']);
    const rs = routing(blocked);
    expect(rs.blockReason).toBe('ConsecutiveFailures');
    expect(Date.parse(rs.blockedUntil!) - Date.now()).toBeGreaterThan(50 * 60_000);
    await eventually('blocked notification', () =>
      h.objects.get('notificationrequests', h.namespace, `nr-blocked-consecutivefailures-${rr}`),
    );
  });

  it('ExponentialBackoff: after one failure the next RR waits out the backoff, then executes', async () => {
    const target = uniqueName('web');
    await failInProcessing(target);
    const rr = await h.createRR({ target });
    await toRouting(rr);
    const blocked = await h.waitForPhase(rr, ['Blocked']);
    expect(routing(blocked).blockReason).toBe('ExponentialBackoff');
    await h.waitForPhase(rr, ['Executing'], 40_000);
  });

  it('RecentlyRemediated: the same workflow on the same target waits for the cooldown, then executes', async () => {
    const target = uniqueName('web');
    const first = await h.createRR({ target });
    await toRouting(first);
    await finishExecution(first);
    await finishVerification(first);
    const second = await h.createRR({ target });
    await toRouting(second);
    const blocked = await h.waitForPhase(second, ['Blocked']);
    expect(routing(blocked).blockReason).toBe('RecentlyRemediated');
    await h.waitForPhase(second, ['Executing'], 40_000);
  });
});
