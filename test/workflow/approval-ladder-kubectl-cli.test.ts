/**
 * Invariant I10 (docs/invariants.md) outside the API: kubectl responses to a RAR
 * count only in their author's name — the admission policy of deploy/ makes the
 * name the API server's — and only if the author may approve; `kubernaut approve`
 * through the API says how many approvals are still needed, or why one was refused.
 * Setup: approval-ladder-setup.ts.
 */
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { CREATED_BY_ANNOTATION } from '../../lib/approval-ladder.js';
import { approvalAdmissionPolicy } from '../../lib/kube/approval-admission.js';
import { type KubeHttpError, kubeRequest } from '../../lib/kube/raw.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, kube, uniqueName } from '../harness/index.js';
import { useApprovalLadder } from './approval-ladder-setup.js';

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

describe('approval ladder with quorum (I10): kubectl responses and the kubernaut CLI', () => {
  const ladder = useApprovalLadder('approval-ladder-kubectl-cli');
  const { h, cleanups, usePolicy, awaiting, rarStatus, auditAll, view, kubectlAs, respond, cli } = ladder;

  it('kubectl: a response counts only in its author’s name (the admission policy), and only if its author may approve', async () => {
    const name = uniqueName('approval-identity');
    const [policy, binding] = approvalAdmissionPolicy({
      orchestrators: ['admin'],
      namespaces: [h.namespace],
      name,
    });
    await kubeRequest(kube().kc, 'POST', `${ADMISSION}/validatingadmissionpolicies`, policy);
    await kubeRequest(kube().kc, 'POST', `${ADMISSION}/validatingadmissionpolicybindings`, binding);
    cleanups.push(
      () => kubeRequest(kube().kc, 'DELETE', `${ADMISSION}/validatingadmissionpolicybindings/${name}`),
      () => kubeRequest(kube().kc, 'DELETE', `${ADMISSION}/validatingadmissionpolicies/${name}`),
    );
    const bob = kubectlAs('bob');
    const alice = kubectlAs('alice');
    // An RR bob creates must name him: refused without (policies load asynchronously).
    const rrBody = (annotations: Record<string, string>) => {
      const body = sampleRemediationRequest(
        h.namespace,
        uniqueName('rr-bob'),
        'web',
      ) as unknown as KubeObject;
      body.metadata.annotations = annotations;
      return body;
    };
    const createAs = (kc: k8s.KubeConfig, annotations: Record<string, string>) =>
      kubeRequest(
        kc,
        'POST',
        `/apis/kubernaut.ai/v1alpha1/namespaces/${h.namespace}/remediationrequests?dryRun=All`,
        rrBody(annotations),
      );
    const refusedCreate = await eventually('the admission policy in force', async () => {
      const err = await createAs(bob, {}).then(
        () => undefined,
        (e: KubeHttpError) => e,
      );
      return err?.message.includes('kubernaut.ai/created-by: bob') ? err : undefined;
    });
    expect(refusedCreate.code).toBe(403);
    await expect(createAs(bob, { [CREATED_BY_ANNOTATION]: 'alice' })).rejects.toThrow(/created-by: bob/);
    await createAs(bob, { [CREATED_BY_ANNOTATION]: 'bob' });

    await usePolicy({
      tiers: [{ approvers: { groups: ['kubernaut:approvers'] }, timeout: '5m' }],
    });
    const rr = await awaiting('admin');
    // bob cannot answer in alice's name, nor claim her group.
    const forged = await respond(bob, rr, { by: 'alice', decision: 'Approved' }).then(
      () => undefined,
      (e: KubeHttpError) => e,
    );
    expect(forged?.code).toBe(403);
    expect(forged?.message).toContain('must say by: bob');
    await expect(
      respond(bob, rr, { by: 'bob', decision: 'Approved', groups: ['kubernaut:approvers'] }),
    ).rejects.toThrow(/groups only among your own/);
    // In his own name his approval is accepted by the API server, and refused by the ladder.
    await respond(bob, rr, { by: 'bob', decision: 'Approved', message: 'lgtm' });
    const [refused] = await eventually('bob refused', async () => {
      const rows = await auditAll(rr, 'orchestrator.approval.refused');
      return rows.length ? rows : undefined;
    });
    expect(refused!.event_data).toMatchObject({
      decided_by: 'bob',
      decided_via: 'kubectl',
      reason_code: 'NotAnApprover',
    });
    expect((await view(rr)).phase).toBe('AwaitingApproval');
    // alice, an approver by her group, with update rights on the target: approved.
    await respond(alice, rr, { by: 'alice', decision: 'Approved', groups: ['kubernaut:approvers'] });
    await h.waitForChild('WorkflowExecution', `we-${rr}`);
    expect(await rarStatus(rr)).toMatchObject({
      decision: 'Approved',
      decidedBy: 'alice',
      decidedVia: 'kubectl',
      approvals: [{ approver: 'alice', via: 'kubectl' }],
      responses: [
        { by: 'bob', decision: 'Approved' },
        { by: 'alice', decision: 'Approved' },
      ],
    });
  });

  it('kubernaut approve through the API: a counted approval says how many more, a refused one exits 1 saying why', async () => {
    await usePolicy({
      tiers: [{ name: 'on-call', approvers: { users: ['alice', 'carol'], groups: ['sre'] }, timeout: '5m' }],
      quorum: { approvals: 2 },
    });
    const rr = await awaiting('dave');
    const counted = await cli(['approve', rr, '--reason', 'checked'], 'alice');
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stdout).toContain(
      `approval of ${h.namespace}/${rr} recorded (alice); 1 more needed from users alice, carol; groups sre (tier 1 of 1 until `,
    );
    const self = await cli(['approve', rr], 'dave');
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('dave created this remediation and may not approve it');
    const status = await cli(['status', rr]);
    expect(status.stdout).toMatch(
      new RegExp(
        `ladder ${ladder.policyName}: tier 1 of 1 \\(on-call\\) until \\S+; approved by alice \\(update, \\S+\\); 1 of 2 still needed`,
      ),
    );
    const final = await cli(['approve', rr], 'carol');
    expect(final.code, final.stderr).toBe(0);
    expect(final.stdout).toContain(`approved ${h.namespace}/${rr} (by alice, carol)`);
  });
});
