/**
 * The built-in NotificationRequest controller on its own, with two replicas
 * running at once, delivering to a real webhook server on loopback, a
 * Slack-compatible endpoint on the same server and a JSON-lines file. Backoff
 * seconds are scaled to 10 ms so retries take moments.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import type { NotificationConfig } from '../../workers/controllers/config.js';
import { startControllers } from '../../workers/controllers/index.js';
import { useControllerHarness } from '../harness/controllers.js';
import { stackInfo } from '../harness/index.js';
import { startWebhookReceiver } from '../harness/webhook-receiver.js';

const receiver = await startWebhookReceiver();
const fileDir = mkdtempSync(join(tmpdir(), 'kubernaut-notify-'));
const file = join(fileDir, 'notifications.jsonl');
const config: NotificationConfig = {
  channels: {
    webhook: { type: 'webhook', url: `${receiver.url}/hook` },
    slack: { type: 'slack', url: `${receiver.url}/slack` },
    file: { type: 'file', path: file },
    flaky: { type: 'webhook', url: `${receiver.url}/flaky` },
    broken: { type: 'webhook', url: `${receiver.url}/broken` },
  },
  routes: [
    { match: { type: ['Completion'] }, channels: ['webhook', 'slack', 'file'] },
    { match: { type: ['Escalation'] }, channels: ['flaky'] },
    { match: { type: ['ManualReview'] }, channels: ['webhook', 'broken'] },
    { match: { type: ['StatusUpdate'] }, channels: ['broken'] },
    { match: { type: ['Approval'] }, channels: ['nowhere'] },
  ],
  backoffUnitMs: 10,
  defaultRetryPolicy: {
    maxAttempts: 3,
    initialBackoffSeconds: 1,
    backoffMultiplier: 2,
    maxBackoffSeconds: 60,
  },
};

describe('built-in NotificationRequest controller (two replicas)', () => {
  const h = useControllerHarness(
    { enabled: ['notification'], notification: config, replicaId: 'replica-a' },
    'nr',
  );
  let second: { stop(): Promise<void> } | undefined;
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 2 });
    const c = startControllers({
      kc: loadKubeConfig(stackInfo().kubeconfigPath),
      audit: createAuditWriter(pool),
      namespace: h.namespace,
      config: {
        enabled: ['notification'],
        notification: config,
        replicaId: 'replica-b',
        logger: pino({ level: 'silent' }),
      },
    });
    second = c;
    await c.ready;
  });
  afterAll(async () => {
    await second?.stop();
    await pool?.end();
    await receiver.close();
    rmSync(fileDir, { recursive: true, force: true });
  });
  const terminal = (s: Record<string, unknown>) =>
    ['Sent', 'PartiallySent', 'Failed'].includes(s.phase as string);

  async function notify(type: string, subject = `${type} for the test`) {
    const rr = await h.createRR({ kind: 'Deployment', name: 'web', namespace: h.namespace });
    const name = `nr-${type.toLowerCase()}-${rr.metadata.name}`;
    const nr = await h.createChild(
      'NotificationRequest',
      name,
      {
        type,
        priority: 'High',
        subject,
        body: `The body of ${subject}`,
        severity: 'critical',
        remediationRequestRef: { kind: 'RemediationRequest', name: rr.metadata.name, namespace: h.namespace },
      },
      rr,
    );
    return { rr: rr.metadata.name, name, uid: nr.metadata.uid! };
  }
  const auditOf = async (rr: string) =>
    (
      await h.pool.query(
        `SELECT event_type, event_data FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position`,
        [rr],
      )
    ).rows as { event_type: string; event_data: Record<string, unknown> }[];

  it('delivers once to each routed channel — webhook, Slack, file — with an idempotency key, and audits each', async () => {
    const n = await notify('Completion', 'Remediated web');
    const s = await h.waitForStatus('NotificationRequest', n.name, terminal);
    expect(s).toMatchObject({
      phase: 'Sent',
      successfulDeliveries: 3,
      failedDeliveries: 0,
      totalAttempts: 3,
    });
    expect(
      s.deliveryAttempts.map((a: { channel: string; status: string }) => `${a.channel}:${a.status}`).sort(),
    ).toEqual(['file:success', 'slack:success', 'webhook:success']);

    const hooks = receiver.received.filter(
      (r) => r.body?.notification?.name === n.name || r.body?.text?.includes('Remediated web'),
    );
    const webhook = hooks.filter((r) => r.path === '/hook');
    const slack = hooks.filter((r) => r.path === '/slack');
    expect(webhook).toHaveLength(1);
    expect(slack).toHaveLength(1);
    expect(webhook[0]!.headers['idempotency-key']).toBe(`${n.uid}/webhook`);
    expect(webhook[0]!.body.notification).toMatchObject({
      subject: 'Remediated web',
      type: 'Completion',
      remediationRequest: n.rr,
    });
    expect(slack[0]!.body.text).toContain('Remediated web');
    expect(slack[0]!.body.blocks[0]).toMatchObject({ type: 'header' });
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.name === n.name)).toHaveLength(1);

    const events = await auditOf(n.rr);
    expect(events.map((e) => `${e.event_type}:${e.event_data.channel}`).sort()).toEqual([
      'notification.message.sent:file',
      'notification.message.sent:slack',
      'notification.message.sent:webhook',
    ]);
    // Each attempt is a notification delivery record, as POST /api/v1/audit/notifications stores them.
    expect(events.find((e) => e.event_data.channel === 'slack')?.event_data).toMatchObject({
      remediation_id: n.rr,
      notification_id: `${n.name}/slack/1`,
      channel: 'slack',
      status: 'sent',
      escalation_level: 0,
    });
  });

  it('a webhook failing twice then recovering is retried with backoff and delivered once', async () => {
    receiver.answer('/flaky', 500, 2);
    const n = await notify('Escalation');
    const s = await h.waitForStatus('NotificationRequest', n.name, terminal);
    expect(s.phase).toBe('Sent');
    expect(
      s.deliveryAttempts.map((a: { attempt: number; status: string }) => `${a.attempt}:${a.status}`),
    ).toEqual(['1:failed', '2:failed', '3:success']);
    expect(s.deliveryAttempts[0].error).toContain('HTTP 500');
    const t = s.deliveryAttempts.map((a: { timestamp: string }) => Date.parse(a.timestamp));
    // Backoff 1 s then 2 s, scaled to 10 ms per second: each wait at least that long.
    expect(t[1] - t[0]).toBeGreaterThanOrEqual(10);
    expect(t[2] - t[1]).toBeGreaterThanOrEqual(20);
    const calls = receiver.received.filter((r) => r.headers['idempotency-key'] === `${n.uid}/flaky`);
    expect(calls).toHaveLength(3);
    expect((await auditOf(n.rr)).map((e) => e.event_type)).toEqual([
      'notification.message.failed',
      'notification.message.failed',
      'notification.message.sent',
    ]);
  });

  it('one channel permanently failing → PartiallySent after maxAttempts; the good channel is not sent again', async () => {
    receiver.answer('/broken', 503);
    const n = await notify('ManualReview');
    const s = await h.waitForStatus('NotificationRequest', n.name, terminal);
    expect(s).toMatchObject({
      phase: 'PartiallySent',
      successfulDeliveries: 1,
      failedDeliveries: 1,
      totalAttempts: 4,
    });
    expect(s.message).toContain('broken (HTTP 503');
    expect(receiver.received.filter((r) => r.headers['idempotency-key'] === `${n.uid}/webhook`)).toHaveLength(
      1,
    );
  });

  it('every channel failing → Failed', async () => {
    const n = await notify('StatusUpdate');
    const s = await h.waitForStatus('NotificationRequest', n.name, terminal);
    expect(s).toMatchObject({
      phase: 'Failed',
      successfulDeliveries: 0,
      failedDeliveries: 1,
      totalAttempts: 3,
    });
  });

  it('a channel that is not configured fails at once, without retries', async () => {
    const n = await notify('Approval');
    const s = await h.waitForStatus('NotificationRequest', n.name, terminal);
    expect(s.phase).toBe('Failed');
    expect(s.deliveryAttempts).toEqual([
      expect.objectContaining({
        channel: 'nowhere',
        attempt: 1,
        status: 'invalid',
        error: 'channel nowhere is not configured',
      }),
    ]);
  });
});
