/**
 * Worker crashes (DESIGN §12): the worker runs as its own process (workers/main.ts,
 * built-in controllers on, notifications to a loopback webhook) while remediations
 * run — with approval (production), without, and failing (no such target). It is
 * SIGKILLed at seeded random moments and restarted each time. Afterwards every RR
 * has its expected terminal phase, exactly one of each child, each lifecycle audit
 * event once with a verifying chain, and every notification delivered (by
 * Idempotency-Key) exactly once.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { temporal as proto } from '@temporalio/proto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeObjects } from '../../activities/kube-objects.js';
// mulberry32: a small seeded PRNG, so a failing run can be replayed.
import { mulberry32 as prng } from '../../bench/stats.js';
import { verifyChain } from '../../lib/audit/verify.js';
import { CHILD_KINDS } from '../../lib/kinds.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { databaseEnv, eventually, kube, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';
import { createDeployment, labelNamespace, markPodsReady, rollOut } from '../harness/workloads.js';
import { reportFigures } from './report.js';
import { WorkerProcess } from './worker-process.js';

const RRS = 100;
const KILLS = 30;
const SEED = 20_261_123;

const TEST_TIMEOUT_MS = 1_200_000;
const EventType = proto.api.enums.v1.EventType;

type Path = 'approval' | 'direct' | 'missing-target';
const EXPECTED_PHASE: Record<Path, string> = {
  approval: 'Completed',
  direct: 'Completed',
  'missing-target': 'Failed',
};
const ONCE: Record<Path, string[]> = {
  direct: [
    'orchestrator.lifecycle.started',
    'orchestrator.lifecycle.created',
    'signalprocessing.enrichment.completed',
    'aianalysis.analysis.completed',
    'workflowexecution.workflow.completed',
    'orchestrator.lifecycle.completed',
  ],
  approval: [
    'orchestrator.lifecycle.started',
    'orchestrator.lifecycle.created',
    'signalprocessing.enrichment.completed',
    'aianalysis.analysis.completed',
    'orchestrator.approval.requested',
    'orchestrator.approval.approved',
    'workflowexecution.workflow.completed',
    'orchestrator.lifecycle.completed',
  ],
  'missing-target': ['orchestrator.lifecycle.started', 'orchestrator.lifecycle.failed'],
};
const CHILDREN: Record<Path, (keyof typeof CHILD_KINDS)[]> = {
  direct: ['SignalProcessing', 'AIAnalysis', 'WorkflowExecution', 'EffectivenessAssessment'],
  approval: [
    'SignalProcessing',
    'AIAnalysis',
    'RemediationApprovalRequest',
    'WorkflowExecution',
    'EffectivenessAssessment',
  ],
  'missing-target': ['SignalProcessing'],
};

describe('the worker SIGKILLed at random moments while remediations run', () => {
  const s = stackInfo();
  const random = prng(SEED);
  const pool = new pg.Pool({ connectionString: s.databaseUrl, max: 4 });
  const objects = new KubeObjects(loadKubeConfig(s.kubeconfigPath));
  let receiver: WebhookReceiver;
  let worker: WorkerProcess;
  let connection: Connection;
  let temporal: Client;
  let watched: string;
  let production: string;
  let staging: string;
  const rrs: { name: string; path: Path; uid?: string }[] = [];
  const kubeletStops: (() => Promise<void>)[] = [];
  let kills = 0;

  /** Plays the kubelet for a whole namespace: Pending pods become Running and Ready. */
  function playKubeletIn(namespace: string) {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        // A pod deleted between list and patch fails this round; the next round goes on.
        await markPodsReady(namespace).catch(() => 0);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    kubeletStops.push(async () => {
      stopped = true;
      await loop;
    });
  }

  beforeAll(async () => {
    [watched, production, staging] = await Promise.all([
      testNamespace('crash-rr'),
      testNamespace('crash-prod'),
      testNamespace('crash-stage'),
    ]);
    await labelNamespace(production, { 'kubernaut.ai/environment': 'production' });
    await labelNamespace(staging, { 'kubernaut.ai/environment': 'staging' });
    receiver = await startWebhookReceiver();
    connection = await Connection.connect({ address: s.temporalAddress });
    temporal = new Client({ connection, namespace: s.temporalNamespace });
    playKubeletIn(production);
    playKubeletIn(staging);
    worker = new WorkerProcess({
      ...databaseEnv(s),
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_NAMESPACE: s.temporalNamespace,
      KUBECONFIG: s.kubeconfigPath,
      KUBERNAUT_WATCH_NAMESPACE: watched,
      KUBERNAUT_CONTROLLERS: 'all',
      KUBERNAUT_NOTIFY_WEBHOOK_URL: `${receiver.url}/notify`,
      KUBERNAUT_NOTIFY_ROUTES: JSON.stringify([{ channels: ['webhook'] }]),
    });
  });
  afterAll(async () => {
    await worker?.kill();
    for (const stop of kubeletStops) await stop();
    await receiver?.close();
    await connection?.close();
    await pool.end();
  });

  it(
    `${RRS} remediations, ${KILLS} SIGKILLs: each reaches its terminal phase with no duplicate child, notification or audit row`,
    async () => {
      // The waits below end before the test's own timeout, so a run that is too slow
      // still says which remediations did not end, and where each stands.
      const testEnds = Date.now() + TEST_TIMEOUT_MS - 60_000;
      const started = Date.now();
      // Targets: a rolled-out Deployment per remediation that has one.
      const paths: Path[] = Array.from({ length: RRS }, (_, i) =>
        i % 5 === 4 ? 'missing-target' : i % 2 ? 'approval' : 'direct',
      );
      const targets = paths.map((p) => ({ path: p, name: uniqueName('web') }));
      await Promise.all(
        targets
          .filter((t) => t.path !== 'missing-target')
          .map(async (t) => {
            const ns = t.path === 'approval' ? production : staging;
            await createDeployment(ns, t.name);
            await rollOut(ns, t.name, 60_000);
          }),
      );

      await worker.start();
      for (const t of targets) {
        const name = uniqueName('rr');
        const rr = sampleRemediationRequest(watched, name, t.name);
        rr.spec.targetResource.namespace = t.path === 'approval' ? production : staging;
        const created = await objects.create('remediationrequests', watched, rr as never);
        rrs.push({ name, path: t.path, uid: created.metadata.uid as string });
      }

      // Approver: approves every RR awaiting approval through the workflow update.
      let approving = true;
      const approved = new Set<string>();
      const approver = (async () => {
        while (approving && Date.now() < testEnds) {
          for (const r of rrs.filter((x) => x.path === 'approval' && !approved.has(x.name))) {
            const cur = await objects.get('remediationrequests', watched, r.name).catch(() => null);
            if (cur?.status?.overallPhase !== 'AwaitingApproval') continue;
            await temporal.workflow
              .getHandle(workflowIdFor(watched, r.name))
              .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice', reason: 'reliability run' }] })
              .then(() => approved.add(r.name))
              .catch(() => {}); // the worker may be down or killed mid-update; try again
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      })();

      /** Where a run stands in Temporal: its status and the last events of its history. */
      const runOf = async (rr: string) => {
        try {
          const handle = temporal.workflow.getHandle(workflowIdFor(watched, rr));
          const d = await handle.describe();
          const events = (await handle.fetchHistory()).events ?? [];
          const last = events.slice(-8).map((e) => `${e.eventId} ${EventType[e.eventType ?? 0]}`);
          // A failed workflow task is retried without new history events: say why it failed and
          // how often the server has retried it (a run that waits on its own task, not its child).
          const failed = [...events].reverse().find((e) => e.workflowTaskFailedEventAttributes);
          const why = failed?.workflowTaskFailedEventAttributes;
          const pending = d.raw.pendingWorkflowTask;
          // Kept for a replay test (Worker.runReplayHistory) of what the worker could not get past.
          const saved = join(tmpdir(), `worker-crashes-${rr}.history.json`);
          writeFileSync(saved, historyToJSON(await handle.fetchHistory()));
          return [
            `run ${d.status.name}, ${events.length} events, last: ${last.join(', ')} (history: ${saved})`,
            why ? `last task failure: cause ${why.cause}, ${why.failure?.message ?? 'no message'}` : '',
            pending ? `pending workflow task: attempt ${pending.attempt}, state ${pending.state}` : '',
          ]
            .filter(Boolean)
            .join('\n  ');
        } catch (err) {
          return `run: ${(err as Error).message}`;
        }
      };
      const terminal = async () => {
        const phases = await Promise.all(
          rrs.map(
            async (r) => (await objects.get('remediationrequests', watched, r.name))?.status?.overallPhase,
          ),
        );
        return phases.every((p) => p === 'Completed' || p === 'Failed' || p === 'TimedOut');
      };

      try {
        // Fault injection: kill at a seeded random moment, restart, repeat.
        while (kills < KILLS && !(await terminal())) {
          await new Promise((r) => setTimeout(r, 500 + Math.floor(random() * 4_500)));
          await worker.kill();
          kills++;
          await worker.start();
        }
        const settleMs = Math.max(60_000, Math.min(600_000, testEnds - Date.now()));
        await eventually('every remediation to reach a terminal phase', terminal, settleMs, 2_000).catch(
          async (err) => {
            // Say which did not, and where they stand: a bare timeout cannot be diagnosed from CI's log.
            const stuck: string[] = [];
            for (const r of rrs) {
              const s = (await objects.get('remediationrequests', watched, r.name))?.status;
              if (!['Completed', 'Failed', 'TimedOut'].includes(s?.overallPhase as string))
                stuck.push(
                  `${r.name} (${r.path}): ${s?.overallPhase} — ${s?.message}\n  ${await runOf(r.name)}`,
                );
            }
            const took = `${kills} kills and ${worker.starts} worker starts in ${Math.round((Date.now() - started) / 1000)} s`;
            throw new Error(
              `${(err as Error).message} (${took})\nnot terminal (${stuck.length}):\n${stuck.join('\n')}\n${worker.failingTasks.length ? `failing workflow tasks (${worker.failingTasks.length}, the last 10):\n${worker.failingTasks.slice(-10).join('\n')}\n` : ''}${worker.output.slice(-3000)}`,
            );
          },
        );
      } finally {
        approving = false;
        await approver;
      }
      expect(kills, worker.output).toBe(KILLS);

      for (const r of rrs) {
        const cur = await objects.get('remediationrequests', watched, r.name);
        expect(cur?.status?.overallPhase, `${r.name} (${r.path}): ${JSON.stringify(cur?.status)}`).toBe(
          EXPECTED_PHASE[r.path],
        );
      }

      // Exactly one of each expected child per RR (owned by it), none of the others.
      for (const [kind, { plural }] of Object.entries(CHILD_KINDS)) {
        const list = (await kube().custom.listNamespacedCustomObject({
          group: 'kubernaut.ai',
          version: 'v1alpha1',
          namespace: watched,
          plural,
        })) as { items: { metadata: { name: string; ownerReferences?: { uid: string }[] } }[] };
        for (const r of rrs) {
          const owned = list.items.filter((o) => o.metadata.ownerReferences?.some((x) => x.uid === r.uid));
          if (kind === 'NotificationRequest') {
            const names = owned.map((o) => o.metadata.name);
            expect(new Set(names).size, `${r.name} notifications`).toBe(names.length);
            if (r.path === 'approval') expect(names).toContain(`nr-approval-${r.name}`);
            continue;
          }
          const want = CHILDREN[r.path].includes(kind as keyof typeof CHILD_KINDS) ? 1 : 0;
          expect(owned.length, `${kind} of ${r.name} (${r.path})`).toBe(want);
        }
      }

      // Every notification Sent and delivered exactly once per Idempotency-Key.
      const nrs = (await kube().custom.listNamespacedCustomObject({
        group: 'kubernaut.ai',
        version: 'v1alpha1',
        namespace: watched,
        plural: 'notificationrequests',
      })) as { items: { metadata: { name: string; uid: string } }[] };
      expect(nrs.items.length).toBeGreaterThanOrEqual(rrs.filter((r) => r.path === 'approval').length);
      await eventually(
        'every notification to be Sent',
        async () => {
          const phases = await Promise.all(
            nrs.items.map(
              async (n) =>
                (await objects.get('notificationrequests', watched, n.metadata.name))?.status?.phase,
            ),
          );
          return phases.every((p) => p === 'Sent');
        },
        60_000,
        500,
      );
      const perKey = new Map<string, number>();
      for (const rcv of receiver.received) {
        const key = String(rcv.headers['idempotency-key']);
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
      }
      // A worker killed after its POST landed but before it recorded Sent sends again
      // with the same Idempotency-Key (at-least-once); the receiver keeps one per key.
      // So: one key per NR, every delivery carrying a known key, and each NR delivered.
      const keys = new Map(nrs.items.map((n) => [`${n.metadata.uid}/webhook`, n.metadata.name]));
      for (const [key, name] of keys) {
        expect(perKey.get(key) ?? 0, `deliveries of ${name}`).toBeGreaterThanOrEqual(1);
        expect(receiver.distinct('/notify').filter((r) => r.headers['idempotency-key'] === key)).toHaveLength(
          1,
        );
      }
      expect(
        [...perKey.keys()].filter((k) => !keys.has(k)),
        'deliveries with an unknown key',
      ).toEqual([]);
      const resent = [...perKey.values()].reduce((a, n) => a + n - 1, 0);
      if (resent)
        process.stderr.write(`[worker-crashes] ${resent} re-delivery(ies) with the same Idempotency-Key\n`);

      // Audit: each lifecycle event once, chains intact, no duplicate rows.
      for (const r of rrs) {
        const { rows } = await pool.query<{ event_type: string; event_id: string }>(
          'SELECT event_type, event_id::text FROM audit_events WHERE correlation_id = $1',
          [r.name],
        );
        const types = rows.map((x) => x.event_type);
        for (const t of ONCE[r.path]) {
          expect(
            types.filter((x) => x === t),
            `${t} of ${r.name} (${r.path}): ${types.join(', ')}`,
          ).toHaveLength(1);
        }
        expect(new Set(rows.map((x) => x.event_id)).size).toBe(rows.length);
        const chain = await verifyChain(pool, r.name);
        expect(chain.is_valid, chain.message).toBe(true);
      }
      reportFigures('worker-crashes', {
        remediations: rrs.length,
        completed: rrs.filter((r) => EXPECTED_PHASE[r.path] === 'Completed').length,
        failedAsExpected: rrs.filter((r) => EXPECTED_PHASE[r.path] === 'Failed').length,
        sigkills: kills,
        duplicateChildren: 0,
        duplicateAuditRows: 0,
        notifications: keys.size,
        duplicateDeliveriesAfterDedup: 0,
        resendsSameKey: resent,
      });
    },
    TEST_TIMEOUT_MS,
  );
});
