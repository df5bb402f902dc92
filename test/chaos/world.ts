/**
 * The operations a schedule does, against the real stack: create RRs, decide an
 * approval by each route (the Temporal update, the signal, a kubectl patch of the
 * RAR status, the API route), delete an RR, terminate its run, restore it from its
 * audit trail, restart the worker, SIGKILL a worker replica, and have the
 * apiserver refuse creates of a child kind for a while. Each answers what
 * happened, for the checks; none throws for a refusal the system is entitled to.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { KubeObject } from '../../activities/kube-objects.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { statusOf } from '../../lib/kube/client.js';
import { reconstructRemediationRequest } from '../../lib/reconstruct/index.js';
import {
  approveSignal,
  approveUpdate,
  rejectSignal,
  rejectUpdate,
  workflowIdFor,
} from '../../lib/remediation-messages.js';
import { refuseCreates as refuseAdmission } from '../harness/admission.js';
import { fingerprintOf, sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import type { RemediationHarness } from '../harness/remediation.js';
import { genesisEvent } from '../reconstruct/reconstruct-fixtures.js';
import type { Replica } from './replica.js';
import type { RefusedPlural, Route } from './schedule.js';
import { claimForGateway, gatewayFingerprint } from './signals.js';

/** A moment the schedule chose (an operation's time), not a wait for a condition. */
export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface DecisionOutcome {
  rr: string;
  route: Route;
  decision: 'Approved' | 'Rejected';
  by: string;
  /** accepted: the update/API call succeeded, the signal was sent, the patch was stored. */
  result: 'accepted' | 'refused';
  detail: string;
}

export interface World {
  h: RemediationHarness;
  client: Client;
  app: FastifyInstance;
  replica: Replica;
  /** Namespaces of the targets: labelled production (approval needed) and staging. */
  targetNamespaces: { production: string; staging: string };
}

export async function createTarget(namespace: string): Promise<string> {
  const name = uniqueName('web');
  // No replicas: healthy as soon as the deployment controller has seen it, with no kubelet to play.
  await kube().apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels: { app: name } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
        },
      },
    },
  });
  return name;
}

export async function createRR(
  w: World,
  target: { namespace: string; name: string },
  signal: 'primary' | 'other',
  timeouts: Record<string, string>,
): Promise<KubeObject> {
  const { h } = w;
  const name = uniqueName('rr');
  const rr = sampleRemediationRequest(h.namespace, name, target.name) as unknown as KubeObject;
  const spec = rr.spec as Record<string, unknown> & { targetResource: { namespace?: string } };
  spec.targetResource.namespace = target.namespace;
  // The primary signal is the one alerts for the target carry: the gateway's fingerprint.
  spec.signalFingerprint =
    signal === 'primary'
      ? gatewayFingerprint(target)
      : fingerprintOf(`${signal}:${target.namespace}/${target.name}`);
  rr.metadata.annotations = Object.fromEntries(
    Object.entries(timeouts).map(([k, v]) => [`kubernaut.ai/timeout-${k}`, v]),
  );
  const created = await h.objects.create('remediationrequests', h.namespace, rr);
  h.created.push(workflowIdFor(h.namespace, name));
  if (signal === 'primary') await claimForGateway(w, created, spec.signalFingerprint as string);
  return created;
}

export async function decide(
  w: World,
  rr: string,
  route: Route,
  verb: 'approve' | 'reject',
  by: string,
): Promise<DecisionOutcome> {
  const decision = verb === 'approve' ? 'Approved' : 'Rejected';
  const reason = `${verb} by ${by} via ${route}`;
  const out = (result: DecisionOutcome['result'], detail: string): DecisionOutcome => ({
    rr,
    route,
    decision,
    by,
    result,
    detail,
  });
  const handle = w.client.workflow.getHandle(workflowIdFor(w.h.namespace, rr));
  try {
    switch (route) {
      case 'update':
        await handle.executeUpdate(verb === 'approve' ? approveUpdate : rejectUpdate, {
          args: [{ decidedBy: by, reason }],
        });
        return out('accepted', 'update succeeded');
      case 'signal':
        await handle.signal(verb === 'approve' ? approveSignal : rejectSignal, { decidedBy: by, reason });
        return out('accepted', 'signal sent');
      case 'kubectl':
        await w.h.objects.mergeStatus('remediationapprovalrequests', w.h.namespace, `rar-${rr}`, {
          decision,
          decidedBy: by,
          decisionMessage: reason,
        });
        return out('accepted', 'RAR status patched');
      case 'api': {
        const res = await w.app.inject({
          method: 'POST',
          url: `/api/v1/remediation-requests/${w.h.namespace}/${rr}/${verb}`,
          payload: { reason },
          headers: { authorization: 'Bearer alice-token' },
        });
        return out(res.statusCode === 200 ? 'accepted' : 'refused', `HTTP ${res.statusCode} ${res.body}`);
      }
    }
  } catch (err) {
    const e = err as Error;
    const cause = (e.cause as Error | undefined)?.message;
    return out('refused', `${e.name}: ${cause ?? e.message}`);
  }
}

export async function deleteRR(w: World, rr: string): Promise<void> {
  await kube()
    .custom.deleteNamespacedCustomObject({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      namespace: w.h.namespace,
      plural: 'remediationrequests',
      name: rr,
    })
    .catch((err) => {
      if (statusOf(err) !== 404) throw err;
    });
}

export async function terminate(w: World, rr: string): Promise<string> {
  return w.client.workflow
    .getHandle(workflowIdFor(w.h.namespace, rr))
    .terminate('terminated by the chaos schedule')
    .then(
      () => 'terminated',
      (err: Error) => `not terminated: ${err.message}`,
    );
}

/**
 * Disaster recovery of a finished RR: its trail rebuilt (with the gateway's genesis
 * event, which the test writes as the gateway would), the RR deleted, the
 * reconstruction applied. Answers the restored RR, or why there is none.
 */
export async function reconstruct(w: World, original: KubeObject): Promise<KubeObject | string> {
  const { h } = w;
  await createAuditWriter(h.pool).write([genesisEvent(original)]);
  let rebuilt: KubeObject;
  try {
    rebuilt = (await reconstructRemediationRequest(h.pool, original.metadata.name))
      .remediationRequest as unknown as KubeObject;
  } catch (err) {
    return `not reconstructed: ${(err as Error).message}`;
  }
  await deleteRR(w, original.metadata.name);
  await eventually(
    `${original.metadata.name} to be gone before its reconstruction is applied`,
    async () => !(await h.objects.get('remediationrequests', h.namespace, original.metadata.name)),
    30_000,
  );
  return h.objects.create('remediationrequests', h.namespace, rebuilt);
}

/** Has the apiserver refuse creates of `plural` in the RR namespace until the returned function is called. */
export function refuseCreates(w: World, plural: RefusedPlural): Promise<() => Promise<void>> {
  return refuseAdmission({
    plural,
    namespace: w.h.namespace,
    reason: 'Forbidden',
    message: 'refused by the chaos schedule',
    // The schedule's clock decides when the refusal starts, not the policy's loading.
    wait: false,
  });
}
