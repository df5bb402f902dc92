/**
 * The safety invariants (docs/invariants.md), checked after a schedule from what
 * the apiserver holds, the audit trail (audit_events) and what the monitor saw.
 * Each check answers violations in words: which RR, what happened, when.
 */
import type pg from 'pg';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import type { Monitor, RARRecord, WERecord } from './monitor.js';
import { boundOf, runningOfDeleted, type ScheduleRun } from './run.js';
import { checkI6 } from './signals.js';
import type { World } from './world.js';

export interface Violation {
  invariant: 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'run';
  message: string;
  /** Worth a look, but what the design says happens: printed, not failed. */
  note?: true;
}

const phaseOf = (o: { status?: Record<string, unknown> } | undefined) =>
  `${o?.status?.overallPhase ?? '(no phase)'}: ${o?.status?.message ?? ''}`;

/**
 * I1: every RR still there is terminal, no later than its global timeout plus the
 * slack, and its first terminal status stays (the close-out's last step never
 * replaces one).
 */
export function checkI1(run: ScheduleRun, m: Monitor): Violation[] {
  const out: Violation[] = [];
  for (const rr of run.rrs) {
    const r = m.rrs.get(rr.uid);
    if (!r) {
      out.push({ invariant: 'I1', message: `${rr.name} was never seen by the monitor` });
      continue;
    }
    if (r.terminalAt === undefined) {
      if (r.deletedAt === undefined)
        out.push({
          invariant: 'I1',
          message: `${rr.name} is not terminal ${Math.round((Date.now() - rr.createdAt) / 1000)} s after its creation (global timeout ${rr.plan.globalMs / 1000} s, slack ${Math.round(run.slackMs / 1000)} s); it is ${phaseOf(r.last)}; phases seen: ${r.phases.map((p) => `${p.phase} at ${((p.at - rr.createdAt) / 1000).toFixed(1)}s`).join(' → ')}`,
        });
      continue;
    }
    // The first terminal status is final: nothing — a late close-out included — replaces it.
    const ends = r.phases.filter((p) => p.at >= r.terminalAt!).map((p) => p.phase);
    if (new Set(ends).size > 1)
      out.push({
        invariant: 'I1',
        message: `${rr.name}'s terminal status was replaced: ${ends.join(' → ')} (now ${phaseOf(r.last)}; completionStatus ${JSON.stringify(r.last.status?.completionStatus ?? {})})`,
      });
    const late = r.terminalAt - boundOf(run, rr);
    if (late > 0)
      out.push({
        invariant: 'I1',
        message: `${rr.name} became terminal ${Math.round(late / 1000)} s past its global timeout (${rr.plan.globalMs / 1000} s) plus slack (${Math.round(run.slackMs / 1000)} s): ${phaseOf(r.last)}; phases seen: ${r.phases.map((p) => `${p.phase} at ${((p.at - rr.createdAt) / 1000).toFixed(1)}s`).join(' → ')}`,
      });
  }
  return out;
}

/** I2: on each target, no two WorkflowExecutions running at once (the monitor's one watch orders them). */
export function checkI2(run: ScheduleRun, m: Monitor): Violation[] {
  const ours = new Set(run.rrs.map((r) => r.uid));
  const nameOf = new Map(run.rrs.map((r) => [r.uid, r.name]));
  const byTarget = new Map<string, WERecord[]>();
  for (const we of m.wes.values()) {
    if (!we.rrUid || !ours.has(we.rrUid) || we.runningSeq === undefined) continue;
    byTarget.set(we.target, [...(byTarget.get(we.target) ?? []), we]);
  }
  const out: Violation[] = [];
  for (const [target, wes] of byTarget) {
    wes.sort((a, b) => a.runningSeq! - b.runningSeq!);
    for (let i = 0; i < wes.length; i++) {
      for (let j = i + 1; j < wes.length; j++) {
        const [a, b] = [wes[i]!, wes[j]!];
        if (b.runningSeq! < (a.endSeq ?? Number.POSITIVE_INFINITY)) {
          const rrA = m.rrs.get(a.rrUid!);
          out.push({
            invariant: 'I2',
            message: `on ${target}, ${b.name} (of ${nameOf.get(b.rrUid!)}) started running while ${a.name} (of ${nameOf.get(a.rrUid!)}) was still running: ${a.name} ran ${fmt(run, a.runningAt)}–${fmt(run, a.endAt)} (${a.end ?? 'never ended'}), ${b.name} from ${fmt(run, b.runningAt)}; ${nameOf.get(a.rrUid!)} ended ${phaseOf(rrA?.last)}`,
          });
        }
      }
    }
  }
  return out;
}

const fmt = (run: ScheduleRun, t: number | undefined) => {
  const t0 = Math.min(...run.rrs.map((r) => r.createdAt));
  return t === undefined ? '…' : `${((t - t0) / 1000).toFixed(2)}s`;
};

/**
 * I3: the first decision an RAR records is never changed; at most one decision is
 * audited per RR, the same one; an update or API call that succeeded decided it;
 * and the RR did what the decision says (executed only if Approved).
 */
export async function checkI3(run: ScheduleRun, m: Monitor, pool: pg.Pool): Promise<Violation[]> {
  const out: Violation[] = [];
  const v = (message: string) => out.push({ invariant: 'I3', message });
  for (const rr of run.rrs) {
    const rar = [...m.rars.values()].find((x) => x.rrUid === rr.uid);
    const first = rar?.history.find((hh) => hh.decision);
    if (rar && first) {
      for (const later of rar.history.slice(rar.history.indexOf(first) + 1)) {
        for (const k of ['decision', 'decidedBy', 'decidedAt', 'decisionMessage'] as const) {
          if (first[k] !== undefined && later[k] !== first[k])
            v(
              `${rar.name}: ${k} changed from ${first[k]} to ${later[k] ?? '(removed)'} after it was recorded`,
            );
        }
      }
    }
    const recorded = first?.decision;
    const { rows } = await pool.query<{ event_type: string; decision: string }>(
      `SELECT event_type, event_data->>'decision' AS decision FROM audit_events
        WHERE correlation_id = $1 AND event_type IN ('orchestrator.approval.approved','orchestrator.approval.rejected','orchestrator.approval.expired')`,
      [rr.name],
    );
    if (rows.length > 1)
      v(`${rr.name}: ${rows.length} decisions audited (${rows.map((r) => r.decision).join(', ')})`);
    if (rows[0] && recorded && rows[0].decision !== recorded)
      v(`${rr.name}: the audit records ${rows[0].decision}, the RAR ${recorded}`);
    for (const d of run.decisions.filter((x) => x.rr === rr.name && x.result === 'accepted')) {
      if (d.route !== 'update' && d.route !== 'api') continue;
      if (recorded && (recorded !== d.decision || first?.decidedBy !== d.by))
        v(
          `${rr.name}: a ${d.decision} by ${d.by} through the ${d.route} succeeded, but the RAR records ${recorded} by ${first?.decidedBy}`,
        );
    }
    const executed = [...m.wes.values()].some((we) => we.rrUid === rr.uid);
    const last = m.rrs.get(rr.uid)?.last;
    const cs = (last?.status?.completionStatus ?? {}) as { failurePhase?: string; failureReason?: string };
    // A RAR exists only when approval was required (the RR status has no approval, as Kubernaut's).
    const approvalNeeded =
      rar !== undefined || (last?.status?.approval as { required?: boolean } | undefined)?.required;
    if (executed && approvalNeeded && recorded !== 'Approved')
      v(
        `${rr.name} executed, but its approval request records ${recorded ?? 'no decision'}: ${historyOf(rar)}`,
      );
    const inherited = String(last?.status?.message ?? '').startsWith('Inherited the outcome of');
    if (cs.failurePhase === 'Approval') {
      const says = cs.failureReason?.startsWith('Rejected by')
        ? 'Rejected'
        : cs.failureReason?.startsWith('Approval expired')
          ? 'Expired'
          : undefined;
      const message = `${rr.name} failed as ${says} (${cs.failureReason}), but its approval request records ${recorded}; the request showed ${historyOf(rar)}`;
      // A duplicate takes its original's outcome (DESIGN §5.5), its own approval notwithstanding.
      if (says && says !== recorded)
        out.push({
          invariant: 'I3',
          message: inherited ? `${message} — ${last?.status?.message}` : message,
          ...(inherited ? { note: true as const } : {}),
        });
    }
  }
  return out;
}

/** Every decision an approval request showed, in order. */
function historyOf(rar: RARRecord | undefined): string {
  if (!rar) return 'no approval request seen';
  return rar.history
    .map(
      (x) =>
        `${x.decision ?? '(none)'} by ${x.decidedBy ?? '?'} at ${x.decidedAt ?? '?'} (${x.decisionMessage ?? ''})`,
    )
    .join(' → ');
}

/** I4: a restored RR ends at once and never runs — no run of its own, no child of its own. */
export async function checkI4(w: World, run: ScheduleRun, m: Monitor): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const r of run.restored) {
    if (!r.restored) continue;
    const uid = r.restored.metadata.uid!;
    const seen = m.rrs.get(uid);
    if (seen?.terminalAt === undefined)
      out.push({
        invariant: 'I4',
        message: `restored ${r.name} never became terminal: ${phaseOf(seen?.last)}`,
      });
    const desc = await w.client.workflow
      .getHandle(workflowIdFor(w.h.namespace, r.name))
      .describe()
      .catch(() => undefined);
    if ((desc?.memo as { uid?: string } | undefined)?.uid === uid)
      out.push({
        invariant: 'I4',
        message: `restored ${r.name} got a workflow run of its own (${desc?.runId})`,
      });
    for (const plural of ['signalprocessings', 'aianalyses', 'workflowexecutions']) {
      const children = await w.h.objects.list(plural, w.h.namespace);
      const own = children.filter((c) => c.metadata.ownerReferences?.some((o) => o.uid === uid));
      if (own.length)
        out.push({
          invariant: 'I4',
          message: `restored ${r.name} has new children: ${own.map((c) => c.metadata.name).join(', ')}`,
        });
    }
  }
  return out;
}

/** I5: every deleted RR's workflow run is closed. */
export async function checkI5(w: World, run: ScheduleRun): Promise<Violation[]> {
  return (await runningOfDeleted(w, run)).map((name) => ({
    invariant: 'I5' as const,
    message: `${name} was deleted, but its workflow run is still running`,
  }));
}

/**
 * I7: no Lease held by an RR through a block — a Lease sampled while its holder was
 * Blocked, taken before that block began (the block's own routing pass should have
 * released it). A Lease taken after the block began is the pass that ended the
 * wait, caught before its RR showed Executing.
 */
export async function checkI7(run: ScheduleRun, m: Monitor, pool: pg.Pool): Promise<Violation[]> {
  const ours = new Set(run.rrs.map((r) => r.uid));
  const out: Violation[] = [];
  const reported = new Set<string>();
  for (const s of m.lockSamples) {
    if (!ours.has(s.holderUid) || reported.has(s.holder)) continue;
    const { rows } = await pool.query<{ at: string }>(
      `SELECT event_data->>'phase_start_time' AS at FROM audit_events
        WHERE correlation_id = $1 AND event_type = 'orchestrator.lifecycle.transitioned'
          AND event_data->>'to_phase' = 'Blocked'`,
      [s.holder],
    );
    const began = rows.map((r) => Date.parse(r.at)).filter((t) => t < s.at);
    const blockedSince = began.length ? Math.max(...began) : undefined;
    if (blockedSince !== undefined && Date.parse(s.acquireTime) < blockedSince) {
      reported.add(s.holder);
      out.push({
        invariant: 'I7',
        message: `${s.holder} held the target lock ${s.lease} (taken ${s.acquireTime}) while Blocked (${s.blockReason}) since ${new Date(blockedSince).toISOString()}`,
      });
    }
  }
  return out;
}

export async function checkAll(w: World, run: ScheduleRun, m: Monitor): Promise<Violation[]> {
  return [
    ...run.errors.map((message) => ({ invariant: 'run' as const, message })),
    ...checkI1(run, m),
    ...checkI2(run, m),
    ...(await checkI3(run, m, w.h.pool)),
    ...(await checkI4(w, run, m)),
    ...(await checkI5(w, run)),
    ...(await checkI6(w, run.alerts, m)),
    ...(await checkI7(run, m, w.h.pool)),
  ];
}
