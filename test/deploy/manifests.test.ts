/**
 * deploy/ read as files: the kustomizations point at files that exist (the
 * base at every CRD and the built-in catalog), the worker's role covers every kubernaut.ai kind and its
 * status, no rule uses a wildcard, and both Deployments carry the hardening,
 * resources and probes the README promises.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalAdmissionPolicy, DEPLOY_APPROVAL_ADMISSION } from '../../lib/kube/approval-admission.js';
import { BASE, baseManifests, kustomization, type Manifest, REPO, readDocs } from './manifests.js';

const all = baseManifests();
const byKind = (kind: string) => all.filter((m) => m.kind === kind);
const named = (kind: string, name: string) => all.find((m) => m.kind === kind && m.metadata.name === name)!;
const OVERLAYS = ['dev', 'production'].map((o) => join(REPO, 'deploy/overlays', o));

describe('deploy/ manifests', () => {
  it('kustomizations list files that exist; the base lists every CRD in crds/', () => {
    for (const dir of [BASE, ...OVERLAYS]) {
      const k = kustomization(dir);
      const files = [
        ...(k.resources ?? []),
        ...(k.patches ?? []).map((p: { path: string }) => p.path),
      ] as string[];
      for (const r of files)
        if (!r.endsWith('secrets.env')) expect(existsSync(join(dir, r)), `${dir}: ${r}`).toBe(true);
    }
    const crds = readdirSync(join(REPO, 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(crds).toHaveLength(10);
    const listed = (kustomization(BASE).resources as string[]).filter((r) => r.startsWith('../../crds/'));
    expect(listed.map((r) => r.slice('../../crds/'.length)).sort()).toEqual(
      [...crds, ...readdirSync(join(REPO, 'crds/catalog')).map((f) => `catalog/${f}`)].sort(),
    );
    for (const o of OVERLAYS) expect(kustomization(o).resources).toContain('../../base');
  });

  it('the worker may read, watch, create and patch the status of every kubernaut.ai kind but policies (read only), and delete none', () => {
    const plurals = byKind('CustomResourceDefinition').map((c) => c.spec.names.plural as string);
    expect(plurals).toHaveLength(10);
    const rules = named('ClusterRole', 'kubernaut-worker-resources').rules as Manifest[];
    const verbsOn = (resource: string) =>
      rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs as string[]);
    // Guardrails are the operator's: the worker reads them and writes nothing of them.
    expect(verbsOn('remediationpolicies').sort()).toEqual(['get', 'list']);
    expect(verbsOn('remediationpolicies/status')).toEqual([]);
    for (const p of plurals.filter((q) => q !== 'remediationpolicies')) {
      expect(verbsOn(p), p).toEqual(expect.arrayContaining(['get', 'list', 'watch']));
      expect(verbsOn(p), p).not.toContain('delete');
      expect(verbsOn(`${p}/status`), p).toEqual(['patch']);
    }
    // Only the gateway creates RRs.
    expect(verbsOn('remediationrequests')).not.toContain('create');
  });

  it('binds the kubernaut.ai and lock rights inside the controller namespace only, and uses no wildcard', () => {
    for (const b of byKind('RoleBinding')) expect(b.metadata.namespace).toBe('kubernaut-system');
    const crb = byKind('ClusterRoleBinding').map((b) => b.roleRef.name);
    expect(crb).not.toContain('kubernaut-worker-resources');
    for (const role of [...byKind('ClusterRole'), ...byKind('Role')])
      for (const rule of role.rules)
        for (const field of ['apiGroups', 'resources', 'verbs'])
          expect(rule[field], `${role.metadata.name}.${field}`).not.toContain('*');
    // The watch namespace the worker is configured with is the one its RoleBinding covers.
    const config = named('ConfigMap', 'kubernaut-config').data;
    expect(config.KUBERNAUT_WATCH_NAMESPACE).toBe('kubernaut-system');
    expect(config.KUBERNAUT_CONTROLLER_NAMESPACE).toBe('kubernaut-system');
  });

  it('runs both processes hardened, with resources, configuration and their own identity', () => {
    const accounts = byKind('ServiceAccount').map((s) => s.metadata.name);
    for (const [name, arg] of [
      ['kubernaut-worker', 'worker'],
      ['kubernaut-api', 'api'],
    ] as const) {
      const pod = named('Deployment', name).spec.template.spec;
      expect(pod.serviceAccountName).toBe(name);
      expect(accounts).toContain(pod.serviceAccountName);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const [c] = pod.containers;
      expect(c.args).toEqual([arg]);
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(
        c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory,
      ).toBeTruthy();
      expect(c.envFrom).toEqual([
        { configMapRef: { name: 'kubernaut-config' } },
        { secretRef: { name: 'kubernaut-secrets' } },
      ]);
      // A read-only root needs a writable /tmp for tsx's cache.
      const tmp = c.volumeMounts.find((m: Manifest) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v: Manifest) => v.name === tmp?.name)?.emptyDir).toBeTruthy();
    }
    const api = named('Deployment', 'kubernaut-api').spec.template.spec.containers[0];
    expect(api.livenessProbe.httpGet.path).toBe('/healthz');
    expect(api.readinessProbe.httpGet.path).toBe('/readyz');
    expect(named('Service', 'kubernaut-api').spec.ports[0].targetPort).toBe('http');
    expect(named('Deployment', 'kubernaut-worker').spec.replicas).toBeGreaterThan(1);
    const worker = named('Deployment', 'kubernaut-worker').spec.template.spec.containers[0];
    expect(worker.ports).toContainEqual({ name: 'probes', containerPort: 8081 });
    expect(worker.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(worker.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'probes' });
  });

  it('the approval identity policy (I10) is the one lib/kube/approval-admission.ts builds, for the worker and the API', () => {
    const file = readDocs(join(BASE, 'admission-approval.yaml'));
    expect(file).toEqual([...approvalAdmissionPolicy(DEPLOY_APPROVAL_ADMISSION)]);
    const accounts = byKind('ServiceAccount').map(
      (a) => `system:serviceaccount:${a.metadata.namespace}:${a.metadata.name}`,
    );
    expect([...DEPLOY_APPROVAL_ADMISSION.orchestrators].sort()).toEqual(accounts.sort());
    // The worker asks the cluster whether an approver may update the target.
    const sar = byKind('ClusterRoleBinding').find((b) => b.roleRef.name === 'kubernaut-worker-approvals');
    expect(sar?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'kubernaut-worker', namespace: 'kubernaut-system' },
    ]);
    expect(named('ClusterRole', 'kubernaut-worker-approvals').rules).toEqual([
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]);
  });

  it('overlays: dev brings its own PostgreSQL and Temporal; production reads secrets from an ignored file', () => {
    const dev = readDocs(join(OVERLAYS[0]!, 'infra.yaml')).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(dev).toEqual([
      'Deployment/postgres',
      'Service/postgres',
      'Deployment/temporal',
      'Service/temporal',
    ]);
    const prod = kustomization(OVERLAYS[1]!);
    expect(prod.secretGenerator[0]).toMatchObject({ name: 'kubernaut-secrets', envs: ['secrets.env'] });
    expect(existsSync(join(OVERLAYS[1]!, 'secrets.env.example'))).toBe(true);
  });
});
