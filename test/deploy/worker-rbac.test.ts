/**
 * deploy/'s RBAC is enough for the worker, and no more: two worker replicas run
 * as the kubernaut-worker ServiceAccount (a TokenRequest token, RBAC applied
 * from deploy/base) and take a remediation of a real Deployment through
 * approval, restart and verification with no forbidden answer; what the role
 * does not grant is refused by the API server.
 */
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeObjects } from '../../activities/kube-objects.js';
import { verifyChain } from '../../lib/audit/index.js';
import { applyCatalogManifests } from '../../lib/catalog/install.js';
import { statusOf } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { projectPath } from '../../lib/project-root.js';
import { approveUpdate, workflowIdFor } from '../../lib/remediation-messages.js';
import { CONTROLLER_NAMES } from '../../workers/controllers/config.js';
import { startWorkerRuntime, type WorkerRuntime } from '../../workers/runtime.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, kube, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { createDeployment, labelNamespace, rollOut } from '../harness/workloads.js';
import {
  type Access,
  actAs,
  allowed,
  applyAsAdmin,
  describeAccess,
  type Identity,
  untilGranted,
} from './identity.js';
import { rbacFor } from './manifests.js';

describe('deploy/ RBAC: the worker as its ServiceAccount', () => {
  const logs: string[] = [];
  const runtimes: WorkerRuntime[] = [];
  let ns: string;
  let worker: Identity;
  let pool: pg.Pool;
  const admin = new KubeObjects(kube().kc);

  beforeAll(async () => {
    ns = await testNamespace('deploy');
    await applyAsAdmin(rbacFor(ns, uniqueName('t')));
    worker = await actAs(ns, 'kubernaut-worker');
    // Every binding in force before anything runs (the authorizer learns them by watch).
    await untilGranted(worker.kc, {
      verb: 'watch',
      group: 'kubernaut.ai',
      resource: 'remediationrequests',
      namespace: ns,
    });
    await untilGranted(worker.kc, {
      verb: 'create',
      group: 'coordination.k8s.io',
      resource: 'leases',
      namespace: ns,
    });
    await untilGranted(worker.kc, {
      verb: 'get',
      group: 'apps',
      resource: 'deployments',
      namespace: 'default',
    });
    await untilGranted(worker.kc, {
      verb: 'patch',
      group: 'apps',
      resource: 'deployments',
      namespace: 'default',
    });

    // The catalog lives in the controller namespace, as deploy/ puts it (KUBERNAUT_CATALOG_NAMESPACE).
    await applyCatalogManifests(kube().kc, projectPath('crds', 'catalog'), ns);
    pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 4 });
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const taskQueue = uniqueName('deploy');
    // Two replicas, as the Deployment runs them: the same task queue, both
    // watching the controller namespace, both running every built-in controller.
    for (const replica of ['a', 'b']) {
      runtimes.push(
        await startWorkerRuntime({
          temporalAddress: stackInfo().temporalAddress,
          temporalNamespace: stackInfo().temporalNamespace,
          databaseUrl: stackInfo().databaseUrl,
          kubeconfigPath: worker.kubeconfigPath,
          taskQueue,
          watchNamespace: ns,
          settings: { safetyRecheckMs: 60_000, stabilizationWindow: '1s' },
          log: (m) => logs.push(`[${replica}] ${m}`),
          controllers: {
            enabled: [...CONTROLLER_NAMES],
            logger: logger.child({ replica }),
            replicaId: `replica-${replica}`,
            aiAnalysis: { catalogNamespace: ns },
            effectiveness: { healthGraceMs: 60_000, recheckMs: 250 },
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const r of runtimes) await r.stop();
    await pool?.end();
  });

  const phaseOf = (plural: string, name: string, phases: string[]) =>
    eventually(
      `${plural} ${name} to reach ${phases.join('/')}`,
      async () => {
        const o = await admin.get(plural, ns, name);
        return phases.includes(o?.status?.phase as string) ? o : undefined;
      },
      60_000,
    );

  it('runs a remediation of a real Deployment end to end, approval included, with no forbidden answer', async () => {
    const { apps } = kube();
    await createDeployment(ns, 'web');
    await rollOut(ns, 'web');
    const generation = (await apps.readNamespacedDeployment({ namespace: ns, name: 'web' })).metadata!
      .generation!;
    // Production: the approval policy asks a person, so the RAR status write is exercised too.
    await labelNamespace(ns, { 'kubernaut.ai/environment': 'production' });

    const rr = uniqueName('rr');
    await admin.create('remediationrequests', ns, sampleRemediationRequest(ns, rr, 'web') as never);
    await eventually(
      'AwaitingApproval',
      async () => {
        const o = await admin.get('remediationrequests', ns, rr);
        return o?.status?.overallPhase === 'AwaitingApproval';
      },
      60_000,
    );
    await runtimes[0]!.client.workflow
      .getHandle(workflowIdFor(ns, rr))
      .executeUpdate(approveUpdate, { args: [{ decidedBy: 'alice', reason: 'checked' }] });

    const we = await phaseOf('workflowexecutions', `we-${rr}`, ['Completed', 'Failed']);
    expect(we.status?.phase, JSON.stringify(we.status)).toBe('Completed');
    await rollOut(ns, 'web'); // plays the kubelet for the restarted pods

    const done = await eventually(
      'the RR to finish',
      async () => {
        const o = await admin.get('remediationrequests', ns, rr);
        return ['Completed', 'Failed', 'TimedOut'].includes(o?.status?.overallPhase as string)
          ? o
          : undefined;
      },
      90_000,
    );
    expect(done.status?.overallPhase, JSON.stringify(done.status)).toBe('Completed');
    expect(done.status?.completionStatus).toMatchObject({ outcome: 'Remediated' });
    expect(await admin.get('remediationapprovalrequests', ns, `rar-${rr}`)).toMatchObject({
      status: { decision: 'Approved', decidedBy: 'alice' },
    });

    // Restarted once, by one of the two replicas: one pod-template change.
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
    expect(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(d.metadata?.generation).toBe(generation + 1);
    // The final audit event follows the final status write.
    const types = await eventually('the completion audit event', async () => {
      const { rows } = await pool.query(
        'SELECT event_type FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position',
        [rr],
      );
      const t = rows.map((r) => r.event_type as string);
      return t.includes('orchestrator.lifecycle.completed') ? t : undefined;
    });
    for (const t of [
      'orchestrator.approval.approved',
      'workflowexecution.execution.started',
      'orchestrator.lifecycle.completed',
    ])
      expect(
        types.filter((x) => x === t),
        t,
      ).toHaveLength(1);
    expect((await verifyChain(pool, rr)).is_valid).toBe(true);

    // No part of either replica met a refusal: not in a log, not in an activity retry.
    expect(logs.filter((l) => /forbidden|\b403\b/i.test(l))).toEqual([]);
    const history = await runtimes[0]!.client.workflow.getHandle(workflowIdFor(ns, rr)).fetchHistory();
    const failures = (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.lastFailure?.message)
      .filter((m): m is string => !!m);
    expect(failures.filter((m) => /forbidden|\b403\b/i.test(m))).toEqual([]);
  });

  it('refuses what the roles do not grant', async () => {
    const core = worker.kc.makeApiClient(k8s.CoreV1Api);
    const apps = worker.kc.makeApiClient(k8s.AppsV1Api);
    const refused = async (what: string, call: () => Promise<unknown>) => {
      const code = await call().then(
        () => 200,
        (err) => statusOf(err),
      );
      expect(code, what).toBe(403);
    };
    await refused('delete a Deployment', () =>
      apps.deleteNamespacedDeployment({ namespace: ns, name: 'web' }),
    );
    await refused('read a Secret', () => core.listNamespacedSecret({ namespace: ns }));
    await refused('list pods', () => core.listNamespacedPod({ namespace: ns }));
    await refused('create a RemediationRequest', () =>
      kubeRequest(
        worker.kc,
        'POST',
        `/apis/kubernaut.ai/v1alpha1/namespaces/${ns}/remediationrequests`,
        sampleRemediationRequest(ns, uniqueName('rr')),
      ),
    );
    await refused('list RemediationRequests outside the controller namespace', () =>
      kubeRequest(worker.kc, 'GET', '/apis/kubernaut.ai/v1alpha1/namespaces/default/remediationrequests'),
    );
    // Every verb the roles grant, and none of their neighbours (SelfSubjectAccessReview).
    const grants: Access[] = [
      { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default' },
      { verb: 'patch', group: 'apps', resource: 'statefulsets', namespace: 'default' },
      { verb: 'delete', resource: 'pods', namespace: 'default' },
      { verb: 'patch', resource: 'nodes' },
      { verb: 'create', group: 'batch', resource: 'jobs', namespace: 'default' },
      { verb: 'delete', group: 'batch', resource: 'jobs', namespace: 'default' },
      {
        verb: 'patch',
        group: 'kubernaut.ai',
        resource: 'workflowexecutions',
        subresource: 'status',
        namespace: ns,
      },
      { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
      // The reconciler's close-out finds the locks a run left by their holder.
      { verb: 'list', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
      // Budgets: policies are read, a percentage budget counts Deployments (docs/policies.md).
      { verb: 'list', group: 'kubernaut.ai', resource: 'remediationpolicies', namespace: ns },
      { verb: 'list', group: 'apps', resource: 'deployments', namespace: 'default' },
      // Approval ladders: an approver's rights on the target are the cluster's answer (I10).
      { verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
    ];
    const denials: Access[] = [
      { verb: 'update', group: 'kubernaut.ai', resource: 'remediationpolicies', namespace: ns },
      { verb: 'list', group: 'apps', resource: 'statefulsets', namespace: 'default' },
      { verb: 'update', group: 'apps', resource: 'deployments', namespace: 'default' },
      { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'default' },
      { verb: 'update', group: 'batch', resource: 'jobs', namespace: 'default' },
      { verb: 'delete', resource: 'nodes' },
      { verb: 'get', resource: 'secrets', namespace: ns },
      { verb: 'create', resource: 'events', namespace: ns },
      { verb: 'delete', group: 'kubernaut.ai', resource: 'remediationrequests', namespace: ns },
      { verb: 'patch', group: 'kubernaut.ai', resource: 'remediationrequests', namespace: ns },
      {
        verb: 'update',
        group: 'kubernaut.ai',
        resource: 'workflowexecutions',
        subresource: 'status',
        namespace: ns,
      },
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default' },
      { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' },
    ];
    for (const a of grants) expect(await allowed(worker.kc, a), describeAccess(a)).toBe(true);
    for (const a of denials) expect(await allowed(worker.kc, a), describeAccess(a)).toBe(false);
  });
});
