/**
 * The catalog's verdicts as the watch computes them (pure): a workflow applied in
 * two namespaces is one entry and valid in both; another workflow under a taken
 * name is refused; a condition keeps its transition time while its status holds;
 * the content hash ignores everything but apiVersion, kind, name and spec.
 */
import { describe, expect, it } from 'vitest';
import { readWorkflowManifests } from '../../lib/analysis/catalog.js';
import { contentHash, workflowUuid } from '../../lib/catalog/content-hash.js';
import { readCatalogManifests } from '../../lib/catalog/install.js';
import { HINT, workflowFromObject } from '../../lib/catalog/workflow-object.js';
import type { KubeObject } from '../../lib/kube/object.js';
import { projectPath } from '../../lib/project-root.js';
import { computeCatalog, sameStatus } from '../../workers/controllers/catalog-status.js';

const actionTypes = readCatalogManifests(projectPath('crds', 'catalog')).filter(
  (o) => o.kind === 'ActionType',
);
const restart = readWorkflowManifests().find((o) => o.metadata.name === 'restart-crashlooping-workload')!;
const inNs = (o: KubeObject, namespace: string, spec = o.spec): KubeObject => ({
  ...o,
  metadata: { ...o.metadata, namespace },
  spec,
});
const T0 = '2026-01-01T00:00:00.000Z';

describe('catalog verdicts', () => {
  it('the same workflow in two namespaces: one entry, both copies valid', () => {
    const state = computeCatalog([inNs(restart, 'a'), inNs(restart, 'b')], actionTypes, T0);
    expect(state.entries.filter((e) => e.workflowId === restart.metadata.name)).toHaveLength(1);
    expect([...state.workflowStatus.values()].map((s) => s.catalogStatus)).toEqual(['Active', 'Active']);
  });

  it('another workflow under a taken name is refused with the holder named', () => {
    const other = inNs(restart, 'b', { ...restart.spec, version: '2.0.0' });
    const state = computeCatalog([inNs(restart, 'a'), other], actionTypes, T0);
    const status = state.workflowStatus.get(`b/${restart.metadata.name}`)!;
    expect(status.catalogStatus).toBe('Invalid');
    expect((status.conditions as { reason: string; message: string }[])[0]).toMatchObject({
      reason: 'InvalidSpec',
      message: expect.stringContaining(`a/${restart.metadata.name}`),
    });
    expect(state.entries.find((e) => e.workflowId === restart.metadata.name)?.version).toBe('1.0.0');
  });

  it('a status already written is the desired one again: no second write, transition times kept', () => {
    const first = computeCatalog([restart], actionTypes, T0);
    const written = {
      ...restart,
      status: first.workflowStatus.get(`kubernaut-system/${restart.metadata.name}`),
    };
    const again = computeCatalog([written], actionTypes, '2026-02-02T00:00:00.000Z');
    const desired = again.workflowStatus.get(`kubernaut-system/${restart.metadata.name}`)!;
    expect(sameStatus(written.status, desired)).toBe(true);
    expect((desired.conditions as { lastTransitionTime: string }[])[0]!.lastTransitionTime).toBe(T0);
    const broken = computeCatalog(
      [{ ...written, spec: { ...restart.spec, actionType: 'Gone' } }],
      actionTypes,
      '2026-02-02T00:00:00.000Z',
    );
    const b = broken.workflowStatus.get(`kubernaut-system/${restart.metadata.name}`)!;
    expect(sameStatus(written.status, b)).toBe(false);
    expect((b.conditions as { lastTransitionTime: string }[])[0]!.lastTransitionTime).toBe(
      '2026-02-02T00:00:00.000Z',
    );
  });

  it('the content hash covers name and spec only; its UUID is stable and version-5 shaped', () => {
    const h = contentHash(restart);
    expect(
      contentHash({ ...restart, metadata: { ...restart.metadata, namespace: 'x', annotations: {} } }),
    ).toBe(h);
    expect(contentHash({ ...restart, spec: { ...restart.spec, version: '1.0.1' } })).not.toBe(h);
    expect(workflowUuid(h)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(workflowUuid(h)).toBe(workflowUuid(contentHash(restart)));
  });
});

describe('what a CRD schema cannot check', () => {
  const param = { name: 'p', type: 'string', required: false, description: 'd' };
  const judge = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) =>
    workflowFromObject(
      { ...restart, metadata: { ...restart.metadata, annotations }, spec: { ...restart.spec, ...spec } },
      new Set(['RestartWorkload']),
    );
  it.each([
    [{ parameters: [{ ...param, pattern: '([a-z' }] }, 'InvalidParameters', 'is not a regular expression'],
    [
      { parameters: [{ ...param, enum: ['a', 'b'], default: 'c' }] },
      'InvalidParameters',
      'is not one of a, b',
    ],
    [
      { parameters: [{ ...param, pattern: '^[0-9]+$', default: 'x' }] },
      'InvalidParameters',
      'does not match',
    ],
    [
      { parameters: [{ ...param, type: 'integer', minimum: 5, maximum: 1 }] },
      'InvalidParameters',
      'above maximum',
    ],
    [{ parameters: [param, param] }, 'InvalidParameters', 'declared twice'],
    [{ execution: { engine: 'tekton', bundle: 'x' } }, 'UnsupportedEngine', 'tekton'],
    [{ execution: { engine: 'job', bundle: 'builtin:reboot' } }, 'InvalidSpec', 'names no built-in action'],
    [{ actionType: 'RebootNode' }, 'UnknownActionType', 'RebootNode'],
  ])('%j → %s', (spec, reason, message) => {
    expect(judge(spec)).toMatchObject({ ok: false, reason, message: expect.stringContaining(message) });
  });
  it('hints that are not numbers or choices are refused; absent hints have defaults', () => {
    expect(judge({}, { [`${HINT}confidence`]: 'high' })).toMatchObject({ ok: false, reason: 'InvalidHints' });
    expect(judge({}, { [`${HINT}act-on`]: 'parent' })).toMatchObject({ ok: false, reason: 'InvalidHints' });
    const plain = judge({});
    expect(plain.ok && plain.entry).toMatchObject({
      confidence: 0.8,
      actOn: 'owner',
      match: { signalNames: [] },
    });
  });
});
