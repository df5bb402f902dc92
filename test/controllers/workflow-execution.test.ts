/**
 * The built-in WorkflowExecution controller on its own: each action against a
 * real Deployment, dry runs, refusals, container bundles run as Jobs, and the
 * idempotence that makes a retried restart restart only once.
 */
import { describe, expect, it } from 'vitest';
import { statusOf } from '../../lib/kube/client.js';
import { kubeRequest } from '../../lib/kube/raw.js';
import { targetSpecHash } from '../../lib/kube/target.js';
import { BUILTIN_ACTIONS, RESTARTED_AT, RESTARTED_BY } from '../../workers/controllers/actions.js';
import {
  DRY_RUN_DIFF,
  SPEC_HASH_AFTER,
  SPEC_HASH_BEFORE,
} from '../../workers/controllers/workflow-execution.js';
import { type StatusView, useControllerHarness } from '../harness/controllers.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { createDeployment } from '../harness/workloads.js';

describe('built-in WorkflowExecution controller', () => {
  const h = useControllerHarness({ enabled: ['workflowexecution'] }, 'we');
  const done = (s: Record<string, unknown>) => ['Completed', 'Failed'].includes(s.phase as string);
  const deployment = (name: string) => kube().apps.readNamespacedDeployment({ namespace: h.namespace, name });

  /** A WorkflowExecution as the workflow writes it, owned by an RR whose signal names `web`. */
  async function execute(
    web: string,
    action: string,
    opts: {
      params?: Record<string, string>;
      target?: string;
      dryRun?: boolean;
      bundle?: string;
      timesOutAt?: string;
      namespace?: string;
    } = {},
  ) {
    const ns = opts.namespace ?? h.namespace;
    const rr = await h.createRR({ kind: 'Deployment', name: web, namespace: ns });
    const name = `we-${rr.metadata.name}`;
    await h.createChild(
      'WorkflowExecution',
      name,
      {
        remediationRequestRef: { kind: 'RemediationRequest', name: rr.metadata.name, namespace: h.namespace },
        workflowRef: {
          workflowId: `${action}-test`,
          workflowName: `${action} test`,
          version: '1.0.0',
          actionType: action,
          executionBundle: opts.bundle ?? `builtin:${action}`,
        },
        targetResource: opts.target ?? `${ns}/Deployment/${web}`,
        parameters: opts.params ?? {},
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(opts.timesOutAt ? { timesOutAt: opts.timesOutAt } : {}),
      },
      rr,
    );
    return name;
  }

  it('restart stamps the pod template and records the spec hash before and after', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const before = await targetSpecHash(kube().kc, { kind: 'Deployment', name: web, namespace: h.namespace });
    const we = await execute(web, 'restart');
    const s = await h.waitForStatus('WorkflowExecution', we, done);
    expect(s.phase).toBe('Completed');
    const d = await deployment(web);
    const annotations = d.spec!.template.metadata!.annotations!;
    expect(annotations[RESTARTED_AT]).toBe(s.startTime);
    expect(annotations[RESTARTED_BY]).toBeTruthy();
    // Kept as annotations: Kubernaut's WorkflowExecution status has no field for them.
    const marks = (await h.objects.get('workflowexecutions', h.namespace, we))!.metadata.annotations!;
    expect(marks[SPEC_HASH_BEFORE]).toBe(before);
    expect(marks[SPEC_HASH_AFTER]).not.toBe(before);
    expect(marks[SPEC_HASH_AFTER]).toBe(
      await targetSpecHash(kube().kc, { kind: 'Deployment', name: web, namespace: h.namespace }),
    );
    expect(s.change).toBeUndefined();
    expect(s.executionStatus.message).toContain(`restarted Deployment ${h.namespace}/${web}`);
    expect(s.completionTime).toBeTruthy();
  });

  it('a retried restart (crash after the patch, before the status) does not restart again', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const input = {
      kc: kube().kc,
      target: { kind: 'Deployment', name: web, namespace: h.namespace },
      params: {},
      dryRun: false,
      we: { name: 'we-x', namespace: h.namespace, uid: 'uid-1', startTime: '2030-01-01T00:00:00Z' },
    };
    await BUILTIN_ACTIONS.restart!(input);
    // The retry even comes with a later clock: the execution's mark on the template stops it.
    await BUILTIN_ACTIONS.restart!({ ...input, we: { ...input.we, startTime: '2030-01-01T00:05:00Z' } });
    const d = await deployment(web);
    expect(d.metadata!.generation).toBe(2);
    expect(d.spec!.template.metadata!.annotations![RESTARTED_AT]).toBe('2030-01-01T00:00:00Z');
  });

  it('scale sets replicas through the scale subresource; set-resources sets container limits', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const scaled = await h.waitForStatus(
      'WorkflowExecution',
      await execute(web, 'scale', { params: { replicas: '3' } }),
      done,
    );
    expect(scaled.executionStatus.message).toContain('from 1 to 3 replicas');
    expect((await deployment(web)).spec!.replicas).toBe(3);

    const resized = await h.waitForStatus(
      'WorkflowExecution',
      await execute(web, 'set-resources', { params: { memoryLimit: '512Mi', cpuRequest: '100m' } }),
      done,
    );
    expect(resized.phase).toBe('Completed');
    const c = (await deployment(web)).spec!.template.spec!.containers[0]!;
    expect(c.resources).toEqual({ limits: { memory: '512Mi' }, requests: { memory: '64Mi', cpu: '100m' } });
  });

  it('dry run reports the diff from a server-side dry run and changes nothing', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const name = await execute(web, 'restart', { dryRun: true });
    const s = await h.waitForStatus('WorkflowExecution', name, done);
    expect(s.phase).toBe('Completed');
    expect(s.executionStatus.message).toMatch(/^Dry run: restarted/);
    const diff = (await h.objects.get('workflowexecutions', h.namespace, name))!.metadata.annotations![
      DRY_RUN_DIFF
    ];
    expect(diff).toMatch(/^template\.metadata\.annotations: <absent> →/);
    expect(diff).toContain(RESTARTED_AT);
    const d = await deployment(web);
    expect(d.metadata!.generation).toBe(1);
    expect(d.spec!.template.metadata!.annotations?.[RESTARTED_AT]).toBeUndefined();
  });

  it('an action on a missing target fails with the reason', async () => {
    const s = await h.waitForStatus('WorkflowExecution', await execute('ghost', 'restart'), done);
    expect(s.phase).toBe('Failed');
    expect(s.failureReason).toBe(`Deployment ${h.namespace}/ghost not found`);
    expect(s.failureDetails).toMatchObject({ reason: 'ConfigurationError', failedTaskName: 'restart' });
  });

  it('a target outside the namespace of the signal is refused', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const s = await h.waitForStatus(
      'WorkflowExecution',
      await execute(web, 'restart', { target: `kube-system/Deployment/${web}` }),
      done,
    );
    expect(s.phase).toBe('Failed');
    expect(s.failureReason).toContain('outside namespace');
    expect(s.failureDetails.reason).toBe('Forbidden');
  });

  it('an unknown built-in action or bad parameters fail without touching the target', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const unknown = await h.waitForStatus('WorkflowExecution', await execute(web, 'reboot-cluster'), done);
    expect(unknown.failureReason).toContain('unknown action reboot-cluster');
    const bad = await h.waitForStatus(
      'WorkflowExecution',
      await execute(web, 'scale', { params: { replicas: 'many' } }),
      done,
    );
    expect(bad.failureReason).toContain('replicas must be a whole number');
    expect((await deployment(web)).metadata!.generation).toBe(1);
  });

  it('delete-pod deletes exactly the Pod it was given', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const pod = await eventually('a Pod of the Deployment', async () => {
      const pods = await kube().core.listNamespacedPod({
        namespace: h.namespace,
        labelSelector: `app=${web}`,
      });
      return pods.items[0];
    });
    const podName = pod.metadata!.name!;
    const s = await h.waitForStatus(
      'WorkflowExecution',
      await execute(web, 'delete-pod', {
        target: `${h.namespace}/Pod/${podName}`,
        bundle: 'builtin:delete-pod',
      }),
      done,
    );
    expect(s.phase).toBe('Completed');
    await eventually('the Pod to be gone', async () => {
      const pods = await kube().core.listNamespacedPod({
        namespace: h.namespace,
        labelSelector: `app=${web}`,
      });
      return !pods.items.some((p) => p.metadata?.uid === pod.metadata!.uid);
    });
  });

  it('a container bundle runs as a Job that the execution follows to its end', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const we = await execute(web, 'job', { bundle: 'busybox:1.36', params: { dryRunMode: 'off' } });
    const running = await h.waitForStatus('WorkflowExecution', we, (s) => !!s.executionRef?.name);
    expect(running.phase).toBe('Running');
    const jobs = `/apis/batch/v1/namespaces/${h.namespace}/jobs`;
    const job = await kubeRequest<StatusView>(kube().kc, 'GET', `${jobs}/${running.executionRef.name}`);
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe('busybox:1.36');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'TARGET_NAME', value: web },
        { name: 'PARAM_DRY_RUN_MODE', value: 'off' },
      ]),
    );
    // No job controller runs in the local cluster: play it, and report a failure.
    const now = new Date().toISOString();
    const condition = (type: string) => ({
      type,
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'the bundle exited with code 3',
      lastTransitionTime: now,
    });
    await kubeRequest(
      kube().kc,
      'PATCH',
      `${jobs}/${running.executionRef.name}/status`,
      {
        status: { startTime: now, failed: 1, conditions: [condition('FailureTarget'), condition('Failed')] },
      },
      'application/merge-patch+json',
    );
    const s = await h.waitForStatus('WorkflowExecution', we, done);
    expect(s.phase).toBe('Failed');
    expect(s.failureReason).toBe('the bundle exited with code 3');
    expect(s.failureDetails.reason).toBe('TaskFailed');
  });

  it('a bundle execution failed from outside (cancelled) is stopped: its Job deleted, and only then Stopped recorded', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const we = await execute(web, 'job', { bundle: 'busybox:1.36' });
    const running = await h.waitForStatus('WorkflowExecution', we, (s) => !!s.executionRef?.name);
    const job = `/apis/batch/v1/namespaces/${h.namespace}/jobs/${running.executionRef.name}`;
    // As the remediation's deletion marks its unfinished children.
    await h.objects.mergeStatus('workflowexecutions', h.namespace, we, {
      phase: 'Failed',
      failureReason: 'ParentCancelled',
      message: 'ParentCancelled: the RemediationRequest was deleted',
    });
    const stopped = await h.waitForStatus(
      'WorkflowExecution',
      we,
      (s) => s.executionStatus?.status === 'Stopped',
    );
    // Recorded only once the Job was gone (deleted in the foreground: its Pods first).
    expect(await kubeRequest(kube().kc, 'GET', job).catch((err) => statusOf(err))).toBe(404);
    expect(stopped).toMatchObject({ phase: 'Failed', failureReason: 'ParentCancelled' });
    expect(stopped.executionStatus.reason).toBe('ParentCancelled');
  });

  it('an execution whose deadline has passed is never started', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const we = await execute(web, 'restart', { timesOutAt: new Date(Date.now() - 1_000).toISOString() });
    const s = await h.waitForStatus('WorkflowExecution', we, done);
    expect(s.phase).toBe('Failed');
    expect(s.failureDetails).toMatchObject({ reason: 'DeadlineExceeded', wasExecutionFailure: false });
    expect((await deployment(web)).metadata!.generation).toBe(1);
  });

  it('a Job next to a target in another namespace has no owner (a cross-namespace owner gets it collected), and a deadline all the same', async () => {
    const other = uniqueName('we-target');
    await kube().core.createNamespace({
      body: { metadata: { name: other, labels: { 'kubernaut.ai/test': 'true' } } },
    });
    try {
      const web = uniqueName('web');
      await createDeployment(other, web);
      const timesOutAt = new Date(Date.now() + 120_000).toISOString();
      const we = await execute(web, 'job', { bundle: 'busybox:1.36', namespace: other, timesOutAt });
      const running = await h.waitForStatus('WorkflowExecution', we, (s) => !!s.executionRef?.name);
      const job = await kubeRequest<StatusView>(
        kube().kc,
        'GET',
        `/apis/batch/v1/namespaces/${other}/jobs/${running.executionRef.name}`,
      );
      expect(job.metadata.ownerReferences).toBeUndefined();
      expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(100);
      expect(job.spec.activeDeadlineSeconds).toBeLessThanOrEqual(120);
    } finally {
      await kube()
        .core.deleteNamespace({ name: other })
        .catch(() => {});
    }
  });
});
