/**
 * The gateway's part of a schedule, for invariant I6 (docs/invariants.md): no signal
 * is absorbed by an RR that will not run.
 *
 * A schedule's primary-signal RRs are created directly (they carry per-RR timeouts,
 * which alerts cannot), so each also takes the gateway's claim on its fingerprint, as
 * the gateway does for an RR it creates: the gateway then sees them exactly as its
 * own. Alerts for the schedule's targets go through the real gateway route at chosen
 * moments while terminates, deletes, restores and restarts happen, and once more for
 * every target after the schedule settled. Each answer is kept with its moment; the
 * check then asks of every alert counted into an RR whether that RR could still run
 * at that moment, and of every RR an alert created whether it ran.
 */
import type { KubeObject } from '../../activities/kube-objects.js';
import { ClaimStore } from '../../lib/gateway/claim.js';
import { signalFingerprint } from '../../lib/gateway/fingerprint.js';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { eventually } from '../harness/index.js';
import { RECONCILE_INTERVAL_MS } from './config.js';
import type { Monitor } from './monitor.js';
import type { World } from './world.js';

export const ALERTMANAGER_TOKEN = 'alertmanager-token';
/** How long a closed run's RR may still count alerts: one reconcile pass and the close-out's calls (I6's bound). */
const CLOSE_OUT_BOUND_MS = RECONCILE_INTERVAL_MS + 5_000;
/** The monitor's watch lags the apiserver by a little: a phase seen at t may have been written just before. */
const WATCH_LAG_MS = 1_000;

export interface Target {
  namespace: string;
  name: string;
}

export interface AlertAnswer {
  target: Target;
  at: number;
  status: number;
  outcome?: string;
  rr?: string;
  /** After the schedule settled: every RR was terminal, so nothing may count it. */
  probe: boolean;
  /** For an RR this alert created: whether its run started (its first child appeared). */
  ran?: boolean;
  body?: string;
}

/** The gateway's fingerprint of a schedule target (a Deployment). */
export const gatewayFingerprint = (t: Target) =>
  signalFingerprint({ apiVersion: 'apps/v1', kind: 'Deployment', name: t.name, namespace: t.namespace });

/**
 * Takes the gateway's claim on `rr`'s fingerprint for it, as the gateway does when it
 * creates an RR. A claim already there (a live RR of the same signal: this one is its
 * duplicate) stays with its RR — the gateway would have counted the signal into it.
 */
export async function claimForGateway(w: World, rr: KubeObject, fingerprint: string): Promise<void> {
  const claims = new ClaimStore(w.h.pool);
  const taken = await claims.claim(fingerprint, rr.metadata.name, rr.metadata.namespace!);
  if (taken?.mine) await claims.recordCreated(fingerprint, rr.metadata.name, rr.metadata.uid!);
}

/** One Alertmanager alert for the target Deployment, through the gateway route. */
export async function sendAlert(w: World, target: Target, probe: boolean): Promise<AlertAnswer> {
  const at = Date.now();
  const res = await w.app.inject({
    method: 'POST',
    url: '/api/v1/signals/prometheus',
    headers: { authorization: `Bearer ${ALERTMANAGER_TOKEN}`, 'content-type': 'application/json' },
    payload: {
      version: '4',
      status: 'firing',
      receiver: 'kubernaut',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'KubePodCrashLooping',
            severity: 'critical',
            namespace: target.namespace,
            deployment: target.name,
          },
          annotations: { summary: `chaos alert for ${target.namespace}/${target.name}` },
          startsAt: new Date(at - 60_000).toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
    },
  });
  const answer: AlertAnswer = { target, at, status: res.statusCode, probe };
  if (res.statusCode !== 201 && res.statusCode !== 202) return { ...answer, body: res.body.slice(0, 300) };
  const result = res.json().results?.[0] as { outcome?: string; remediationRequest?: { name: string } };
  return { ...answer, outcome: result?.outcome, rr: result?.remediationRequest?.name };
}

/** Whether the RR's run started: its SignalProcessing appeared, or it ended (a run ends it). */
export async function ranWithin(w: World, rr: string, ms: number): Promise<boolean> {
  return eventually(
    `${rr} to start`,
    async () =>
      Boolean(await w.h.objects.get('signalprocessings', w.h.namespace, `sp-${rr}`)) ||
      (await w.h.objects.get('remediationrequests', w.h.namespace, rr))?.status?.completedAt !== undefined,
    ms,
    100,
  ).catch(() => false);
}

export interface I6Violation {
  invariant: 'I6';
  message: string;
}

/**
 * I6 for each answer: a 5xx or a refusal is a signal lost; an alert counted into an
 * RR must find it live — not deleted, not terminal, not restored, its run not closed
 * for longer than the close-out's bound; an alert after the schedule settled creates a
 * new RR (every RR is terminal by then, which I1 checks); an RR an alert created runs.
 */
export async function checkI6(w: World, answers: AlertAnswer[], m: Monitor): Promise<I6Violation[]> {
  const out: I6Violation[] = [];
  const v = (message: string) => out.push({ invariant: 'I6', message });
  for (const a of answers) {
    const what = `${a.probe ? 'the alert after the schedule settled' : 'an alert'} for ${a.target.name} at ${new Date(a.at).toISOString()}`;
    if (a.status !== 201 && a.status !== 202) {
      v(`${what} was answered ${a.status}: ${a.body}`);
      continue;
    }
    if (a.outcome === 'created') {
      if (a.ran === false) v(`${what} created ${a.rr}, whose run never started`);
      continue;
    }
    if (a.outcome !== 'deduplicated' || !a.rr) {
      v(`${what} was answered ${a.outcome ?? 'with no outcome'}`);
      continue;
    }
    // The record of the RR of that name that existed at that moment: created by then
    // (creationTimestamp has whole seconds, so a copy restored in the same second also
    // qualifies) and not deleted before it; of those the earliest, which the name
    // stood for first — a restored copy replaces its original only once that is gone.
    const createdAt = (r: { last: KubeObject }) =>
      Date.parse((r.last.metadata as { creationTimestamp?: string }).creationTimestamp ?? '');
    const held = [...m.rrs.values()]
      .filter(
        (r) =>
          r.name === a.rr &&
          createdAt(r) <= a.at + WATCH_LAG_MS &&
          (r.deletedAt === undefined || r.deletedAt >= a.at - WATCH_LAG_MS),
      )
      .sort((x, y) => createdAt(x) - createdAt(y));
    const r = held[0];
    if (!r) {
      v(`${what} was counted into ${a.rr}, which the monitor never saw`);
      continue;
    }
    if (r.last.metadata.labels?.['kubernaut.ai/reconstructed'] === 'true')
      v(`${what} was counted into ${a.rr}, a restored RR (it never runs)`);
    if (r.deletedAt !== undefined && r.deletedAt < a.at - WATCH_LAG_MS)
      v(`${what} was counted into ${a.rr}, deleted ${a.at - r.deletedAt} ms before`);
    if (r.terminalAt !== undefined && r.terminalAt < a.at - WATCH_LAG_MS)
      v(
        `${what} was counted into ${a.rr}, terminal (${r.last.status?.overallPhase}) ${a.at - r.terminalAt} ms before`,
      );
    const desc = await w.client.workflow
      .getHandle(workflowIdFor(w.h.namespace, a.rr))
      .describe()
      .catch(() => undefined);
    const sameRR = (desc?.memo as { uid?: string } | undefined)?.uid === r.last.metadata.uid;
    const closedAt = sameRR && desc?.closeTime ? desc.closeTime.getTime() : undefined;
    if (closedAt !== undefined && closedAt < a.at - CLOSE_OUT_BOUND_MS)
      v(
        `${what} was counted into ${a.rr}, whose run closed (${desc?.status.name}) ${a.at - closedAt} ms before`,
      );
    if (a.probe) v(`${what} was counted into ${a.rr} instead of opening a new remediation`);
  }
  return out;
}
