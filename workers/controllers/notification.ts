/**
 * Built-in NotificationRequest controller (DESIGN §6): delivers to the channels
 * the routing rules choose, retries failed channels with backoff per
 * spec.retryPolicy, records every attempt in status.deliveryAttempts and audits
 * it (notification.message.sent / failed), and ends Sent, PartiallySent or
 * Failed.
 *
 * Exactly once per channel: a channel with a recorded success is never sent to
 * again; each send carries an idempotency key (uid + channel) for the one window
 * we cannot close (a crash between sending and recording). Two replicas: sending
 * is guarded by a lease — a "Delivering" status condition naming the replica,
 * taken and renewed by writes conditional on the resourceVersion read — so only
 * the holder sends; another replica takes over only once the lease has expired.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { writeWithDerivedId } from '../../lib/audit/derived-id.js';
import { notificationRecordEvent } from '../../lib/audit/notification-records.js';
import type { AuditWriter } from '../../lib/audit/types.js';
import { CHILD_KINDS } from '../../lib/kinds.js';
import { isConflict } from '../../lib/kube/client.js';
import type { NotificationConfig, RetryPolicy } from './config.js';
import { type Delivery, deliver, type Message } from './notification-channels.js';
import { backoffSeconds, DEFAULT_RETRY_POLICY, routeNotification } from './notification-routing.js';
import type { Reconciler } from './reconcile-loop.js';
import { nowIso, ownerRRName, writeStatusIfUnchanged } from './status-write.js';

const plural = CHILD_KINDS.NotificationRequest.plural;
const LEASE = 'Delivering';

interface Attempt {
  channel: string;
  attempt: number;
  timestamp: string;
  status: Delivery['status'];
  error?: string;
  durationSeconds?: number;
}
type Condition = {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
};

export function notificationReconciler(deps: {
  kc: KubeConfig;
  objects: KubeObjects;
  audit: AuditWriter;
  logger: Logger;
  replicaId: string;
  cfg?: NotificationConfig;
}): Reconciler {
  const { kc, objects, cfg = {} } = deps;
  const unitMs = cfg.backoffUnitMs ?? 1000;
  const leaseMs = cfg.leaseMs ?? 30_000;
  const channels = cfg.channels ?? { console: { type: 'console' } };
  const holder = `held by ${deps.replicaId}`;
  const lease = (status: 'True' | 'False', reason: string, message = holder): Condition => ({
    type: LEASE,
    status,
    reason,
    message,
    lastTransitionTime: nowIso(),
  });

  return {
    name: 'notification',
    plural,
    isDone: (o) => ['Sent', 'PartiallySent', 'Failed'].includes(o.status?.phase as string),
    async reconcile(nr, ctx) {
      const held = ((nr.status?.conditions ?? []) as Condition[]).find(
        (c) => c.type === LEASE && c.status === 'True',
      );
      const leaseLeft = held ? Date.parse(held.lastTransitionTime) + leaseMs - Date.now() : 0;
      if (held && held.message !== holder && leaseLeft > 0) return { requeueAfterMs: leaseLeft + 100 };

      const policy: RetryPolicy = {
        ...DEFAULT_RETRY_POLICY,
        ...cfg.defaultRetryPolicy,
        ...(nr.spec?.retryPolicy as Partial<RetryPolicy>),
      };
      const msg = await messageOf(objects, nr);
      const routed = routeNotification(msg, cfg.routes);
      const attempts = (nr.status?.deliveryAttempts ?? []) as Attempt[];
      const now = Date.now();
      const plan = routed.map((channel) => {
        const mine = attempts.filter((a) => a.channel === channel);
        const last = mine[mine.length - 1];
        const delivered = mine.some((a) => a.status === 'success');
        const givenUp = !delivered && (last?.status === 'invalid' || mine.length >= policy.maxAttempts);
        const dueAt = last ? Date.parse(last.timestamp) + backoffSeconds(policy, mine.length) * unitMs : now;
        return { channel, next: mine.length + 1, delivered, givenUp, dueAt };
      });
      const pending = plan.filter((p) => !p.delivered && !p.givenUp);
      if (!pending.length) {
        await writeStatusIfUnchanged(kc, plural, nr, finalStatus(plan, attempts, lease));
        return undefined;
      }
      const due = pending.filter((p) => p.dueAt <= now);
      if (!due.length) return { requeueAfterMs: Math.min(...pending.map((p) => p.dueAt)) - now };

      // Take or renew the lease; a 409 here means another replica moved first.
      let current = await writeStatusIfUnchanged(kc, plural, nr, {
        phase: attempts.length ? 'Retrying' : 'Sending',
        queuedAt:
          (nr.status?.queuedAt as string | undefined) ??
          (nr.metadata as { creationTimestamp?: string }).creationTimestamp ??
          nowIso(),
        processingStartedAt: (nr.status?.processingStartedAt as string | undefined) ?? nowIso(),
        conditions: [lease('True', 'Claimed')],
      });
      for (const p of due) {
        const key = `${nr.metadata.uid}/${p.channel}`;
        const started = Date.now();
        const d = await deliver(p.channel, channels[p.channel], msg, key, {
          logger: ctx.logger,
          timeoutMs: cfg.timeoutMs ?? 10_000,
        });
        const attempt: Attempt = {
          channel: p.channel,
          attempt: p.next,
          timestamp: nowIso(),
          status: d.status,
          ...(d.error ? { error: d.error.slice(0, 1000) } : {}),
          durationSeconds: (Date.now() - started) / 1000,
        };
        await audit(deps.audit, nr, msg, attempt, key);
        current = await recordAttempt(kc, objects, current, attempt, lease('True', 'Claimed'));
      }
      return { requeueAfterMs: 0 };
    },
  };
}

/** What to send, and the facts routing needs (environment comes from the RR's enrichment). */
async function messageOf(objects: KubeObjects, nr: KubeObject): Promise<Message> {
  const spec = (nr.spec ?? {}) as Record<string, string>;
  const rr = ownerRRName(nr) ?? (nr.spec?.remediationRequestRef as { name?: string } | undefined)?.name;
  const sp = rr
    ? await objects.get(CHILD_KINDS.SignalProcessing.plural, nr.metadata.namespace!, `sp-${rr}`)
    : null;
  const env = (sp?.status?.environmentClassification as { environment?: string } | undefined)?.environment;
  return {
    name: nr.metadata.name,
    namespace: nr.metadata.namespace!,
    type: spec.type ?? 'Simple',
    priority: spec.priority ?? 'Medium',
    subject: spec.subject ?? '',
    body: spec.body ?? '',
    ...(spec.severity ? { severity: spec.severity } : {}),
    ...(rr ? { remediationRequest: rr } : {}),
    environment: env ?? 'Unknown',
    ...(nr.spec?.context ? { context: nr.spec.context } : {}),
  };
}

/**
 * Appends one attempt to status.deliveryAttempts (a merge patch replaces the
 * list, so this is read-modify-write, conditional on the version read).
 * Idempotent: an attempt already in the list (same channel and number) is not
 * added again; on a conflict we re-read and try again.
 */
async function recordAttempt(
  kc: KubeConfig,
  objects: KubeObjects,
  nr: KubeObject,
  attempt: Attempt,
  renewed: Condition,
): Promise<KubeObject> {
  let current = nr;
  for (let tries = 0; ; tries++) {
    const list = (current.status?.deliveryAttempts ?? []) as Attempt[];
    if (list.some((a) => a.channel === attempt.channel && a.attempt === attempt.attempt)) return current;
    try {
      return await writeStatusIfUnchanged(kc, plural, current, {
        deliveryAttempts: [...list, attempt],
        totalAttempts: list.length + 1,
        conditions: [renewed],
      });
    } catch (err) {
      if (!isConflict(err) || tries >= 5) throw err;
      const fresh = await objects.get(plural, nr.metadata.namespace!, nr.metadata.name);
      if (!fresh) throw err;
      current = fresh;
    }
  }
}

function finalStatus(
  plan: { channel: string; delivered: boolean }[],
  attempts: Attempt[],
  lease: (s: 'True' | 'False', reason: string, message?: string) => Condition,
) {
  const ok = plan.filter((p) => p.delivered).map((p) => p.channel);
  const failed = plan.filter((p) => !p.delivered).map((p) => p.channel);
  const phase = !failed.length ? 'Sent' : ok.length ? 'PartiallySent' : 'Failed';
  const lastError = (c: string) => attempts.filter((a) => a.channel === c).pop()?.error ?? 'failed';
  const message =
    phase === 'Sent'
      ? `Delivered to ${ok.join(', ')}`
      : `${ok.length ? `Delivered to ${ok.join(', ')}; ` : ''}failed: ${failed.map((c) => `${c} (${lastError(c)})`).join(', ')}`;
  return {
    phase,
    completionTime: nowIso(),
    successfulDeliveries: ok.length,
    failedDeliveries: failed.length,
    totalAttempts: attempts.length,
    reason:
      phase === 'Sent'
        ? 'AllDelivered'
        : phase === 'PartiallySent'
          ? 'PartialDelivery'
          : 'AllDeliveriesFailed',
    message,
    conditions: [lease('False', 'Done', message.slice(0, 1000))],
  };
}

/**
 * Audits one attempt as a notification delivery record (lib/audit/notification-records.ts,
 * the store POST /api/v1/audit/notifications uses). Idempotent: the event id is derived
 * from (uid, channel, attempt) and the content from the attempt, so a retry of this
 * write is stored once. A delivery repeated under the same attempt number (the
 * controller stopped after auditing it, before recording it in the status) is another
 * delivery: it is stored alongside, under an id from its content (lib/audit/derived-id.ts).
 */
async function audit(writer: AuditWriter, nr: KubeObject, msg: Message, a: Attempt, key: string) {
  const sent = a.status === 'success';
  const event = notificationRecordEvent(
    {
      remediation_id: msg.remediationRequest ?? nr.metadata.name,
      notification_id: `${nr.metadata.name}/${a.channel}/${a.attempt}`,
      recipient: a.channel,
      channel: a.channel,
      message_summary: msg.subject,
      status: sent ? 'sent' : 'failed',
      sent_at: a.timestamp,
      delivery_status: a.status,
      error_message: a.error ?? null,
      escalation_level: 0,
    },
    {
      namespace: nr.metadata.namespace,
      resourceId: nr.metadata.name,
      ...(msg.severity ? { severity: msg.severity } : {}),
      ...(a.durationSeconds !== undefined ? { durationMs: Math.round(a.durationSeconds * 1000) } : {}),
      extra: {
        notification: nr.metadata.name,
        type: msg.type,
        priority: msg.priority,
        subject: msg.subject,
        attempt: a.attempt,
        idempotency_key: key,
      },
    },
  );
  await writeWithDerivedId(writer, [nr.metadata.uid!, a.channel, a.attempt], event, {
    clockIsSameStep: false,
  });
}
