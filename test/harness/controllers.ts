/**
 * Harness for controller tests without the workflow: the built-in controllers
 * alone on a fresh namespace, and helpers that create child objects the way the
 * workflow would (deterministic name, owner reference to a RemediationRequest).
 */
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { type KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { API_VERSION } from '../../lib/domain.js';
import { historySource } from '../../lib/history/query.js';
import { CHILD_KINDS, type ChildKind } from '../../lib/kinds.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import type { RemediationRequestSpec } from '../../lib/remediation-request.js';
import type { ControllersConfig } from '../../workers/controllers/config.js';
import { startControllers } from '../../workers/controllers/index.js';
import { sampleRemediationRequest } from './fixtures.js';
import { eventually, stackInfo, testNamespace, uniqueName } from './index.js';

/** A child's status as tests read it: deep fields without declaring each one. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on deep status fields of many shapes
export type StatusView = Record<string, any>;

export interface ControllerHarness {
  namespace: string;
  objects: KubeObjects;
  pool: pg.Pool;
  /** An RR object only (no workflow runs here): the owner of the children a test creates. */
  createRR(target: { kind: string; name: string; namespace?: string }): Promise<KubeObject>;
  createChild(
    kind: ChildKind,
    name: string,
    spec: Record<string, unknown>,
    owner?: KubeObject,
  ): Promise<KubeObject>;
  /** Waits until the child's status satisfies `done` (default: has a terminal-looking phase). */
  waitForStatus(
    kind: ChildKind,
    name: string,
    done: (status: StatusView) => boolean,
    timeoutMs?: number,
  ): Promise<StatusView>;
}

export function useControllerHarness(config: Partial<ControllersConfig>, prefix = 'ctl'): ControllerHarness {
  const kc = loadKubeConfig(stackInfo().kubeconfigPath);
  const h = { objects: new KubeObjects(kc) } as ControllerHarness;
  let controllers: { stop(): Promise<void> } | undefined;
  beforeAll(async () => {
    h.namespace = await testNamespace(prefix);
    h.pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 4 });
    const c = startControllers({
      kc,
      audit: createAuditWriter(h.pool),
      namespace: h.namespace,
      history: historySource(h.pool),
      config: { enabled: [], logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...config },
    });
    controllers = c;
    await c.ready;
  });
  afterAll(async () => {
    await controllers?.stop();
    await h.pool?.end();
  });
  h.createRR = async (target) => {
    const rr = sampleRemediationRequest(h.namespace, uniqueName('rr'), target.name) as unknown as KubeObject;
    const spec = rr.spec as unknown as RemediationRequestSpec;
    spec.targetResource = { ...target, ...(target.kind === 'Deployment' ? { apiVersion: 'apps/v1' } : {}) };
    return h.objects.create('remediationrequests', h.namespace, rr);
  };
  h.createChild = async (kind, name, spec, owner) =>
    h.objects.create(CHILD_KINDS[kind].plural, h.namespace, {
      apiVersion: API_VERSION,
      kind,
      metadata: {
        name,
        namespace: h.namespace,
        ...(owner
          ? {
              ownerReferences: [
                {
                  apiVersion: API_VERSION,
                  kind: 'RemediationRequest',
                  name: owner.metadata.name,
                  uid: owner.metadata.uid!,
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec,
    } as KubeObject);
  h.waitForStatus = (kind, name, done, timeoutMs = 30_000) =>
    eventually(
      `${kind} ${name} status`,
      async () => {
        const o = await h.objects.get(CHILD_KINDS[kind].plural, h.namespace, name);
        return o?.status && done(o.status) ? o.status : undefined;
      },
      timeoutMs,
    );
  return h;
}
