/**
 * The pure parts of rollback (docs/invariants.md I11): which actions are compensable,
 * what is recorded before acting, when a restore may write, and which verdicts call
 * for a rollback under a policy.
 */
import { describe, expect, it } from 'vitest';
import type { RawObject } from '../../lib/kube/target.js';
import { approvalNeededFor, isCompensable, NOT_COMPENSABLE } from '../../lib/rollback/compensable.js';
import { policyCovers, rollbackTrigger, rollbackTriggersOf } from '../../lib/rollback/policy.js';
import {
  parsePriorState,
  priorStateOf,
  restoreDecision,
  restorePatch,
} from '../../lib/rollback/prior-state.js';
import { BUILTIN_ACTIONS } from '../../workers/controllers/actions.js';

const deployment: RawObject = {
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', resourceVersion: '42' },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } },
} as RawObject;
const healthy = { assessed: true, healthy: true, score: 1, detail: '2/2 available' };

describe('compensable actions', () => {
  it('every built-in action declares whether it can be undone', () => {
    for (const action of Object.keys(BUILTIN_ACTIONS))
      expect(isCompensable(action) || (NOT_COMPENSABLE as readonly string[]).includes(action), action).toBe(
        true,
      );
    expect(isCompensable('restart')).toBe(true);
    expect(isCompensable('delete-pod')).toBe(false);
  });
  it('only an action declared compensable may run without approval', () => {
    expect(approvalNeededFor('delete-pod')).toBe('irreversible');
    expect(approvalNeededFor('cordon-node')).toBe('irreversible');
    expect(approvalNeededFor('restart')).toBeUndefined();
    expect(approvalNeededFor('scale')).toBeUndefined();
    expect(approvalNeededFor('set-resources')).toBeUndefined();
    // A container bundle, or anything unknown, declares nothing: it cannot be undone either.
    expect(approvalNeededFor('job')).toBe('undeclared');
    expect(approvalNeededFor('some-bundle-action')).toBe('undeclared');
  });
});

describe('prior state', () => {
  it('records the fields the action changes, the version and the health', () => {
    const p = priorStateOf('restart', deployment, healthy, '2026-01-01T00:00:00Z')!;
    expect(p).toMatchObject({ action: 'restart', kind: 'Deployment', resourceVersion: '42' });
    expect(p.spec).toEqual({ template: deployment.spec!.template });
    expect(p.health).toEqual({ assessed: true, healthy: true, score: 1 });
    expect(priorStateOf('scale', deployment, healthy, 'x')!.spec).toEqual({ replicas: 2 });
    expect(parsePriorState(JSON.stringify(p))).toEqual(p);
  });
  it('records nothing for an action that cannot be undone or a kind it cannot restore', () => {
    expect(priorStateOf('delete-pod', deployment, healthy, 'x')).toBeUndefined();
    expect(
      priorStateOf('restart', { ...deployment, kind: 'Pod' } as RawObject, healthy, 'x'),
    ).toBeUndefined();
    expect(parsePriorState('not json')).toBeUndefined();
    expect(parsePriorState(undefined)).toBeUndefined();
  });
  it('the restore patch is conditional on the resourceVersion read', () => {
    const p = priorStateOf('restart', deployment, healthy, 'x')!;
    expect(restorePatch('57', p)).toEqual([
      { op: 'replace', path: '/metadata/resourceVersion', value: '57' },
      { op: 'add', path: '/spec/template', value: deployment.spec!.template },
    ]);
  });
});

describe('restore decision', () => {
  it('writes only over what the action left', () => {
    expect(restoreDecision({ current: 'after', before: 'before', after: 'after' })).toBe('restore');
  });
  it('a target back at the before hash is already restored (retry, second run)', () => {
    expect(restoreDecision({ current: 'before', before: 'before', after: 'after' })).toBe('already-restored');
  });
  it('a change made since is never overwritten', () => {
    expect(restoreDecision({ current: 'someone-else', before: 'before', after: 'after' })).toBe(
      'changed-since',
    );
    expect(restoreDecision({ current: 'after', before: 'before' })).toBe('changed-since');
    expect(restoreDecision({ before: 'before', after: 'after' })).toBe('changed-since');
  });
});

describe('rollback policy and verdict', () => {
  it('reads the listed triggers, ignoring unknown ones', () => {
    expect(rollbackTriggersOf({ rollback: { on: ['HealthWorse', 'SpecDrift', 'Unrecoverable'] } })).toEqual([
      'Unrecoverable',
      'HealthWorse',
    ]);
    expect(rollbackTriggersOf({ budget: { maxConcurrent: 1 } })).toEqual([]);
    expect(policyCovers({ targetNamespaces: ['shop'] }, 'shop')).toBe(true);
    expect(policyCovers({ targetNamespaces: ['shop'] }, 'cart')).toBe(false);
    expect(policyCovers({}, 'cart')).toBe(true);
  });
  const prior = { health: { assessed: true, healthy: true, score: 1 } };
  it('HealthWorse: the score after is below the score before', () => {
    const worse = { assessmentReason: 'Partial', components: { healthAssessed: true, healthScore: 0.5 } };
    expect(rollbackTrigger(['HealthWorse'], worse, prior)).toBe('HealthWorse');
    const same = { assessmentReason: 'Full', components: { healthAssessed: true, healthScore: 1 } };
    expect(rollbackTrigger(['HealthWorse'], same, prior)).toBeUndefined();
    expect(rollbackTrigger(['HealthWorse'], worse, undefined)).toBeUndefined();
    expect(rollbackTrigger([], worse, prior)).toBeUndefined();
  });
  it('Unrecoverable: only when listed', () => {
    const lost = { assessmentReason: 'Unrecoverable', components: { healthAssessed: true, healthScore: 1 } };
    expect(rollbackTrigger(['Unrecoverable'], lost, prior)).toBe('Unrecoverable');
    expect(rollbackTrigger(['HealthWorse'], lost, prior)).toBeUndefined();
  });
});
