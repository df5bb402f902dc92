/**
 * The mode of a remediation under RemediationPolicies (docs/policies.md, I12): the
 * per-workflow entry over the default, the most cautious policy over the others, only
 * policies covering the target, malformed values ignored.
 */
import { describe, expect, it } from 'vitest';
import { decideMode, policyMode } from '../../activities/mode-rules.js';

const policy = (name: string, spec: Record<string, unknown>) => ({ name, spec });

describe('mode rules', () => {
  it('no policy, or none setting a mode: Automatic, from no policy', () => {
    expect(decideMode([], 'shop', 'restart')).toEqual({ mode: 'Automatic' });
    expect(decideMode([policy('b', { budget: { maxConcurrent: 1 } })], 'shop', 'restart')).toEqual({
      mode: 'Automatic',
    });
  });

  it('the per-workflow entry overrides the default, for that workflow only', () => {
    const p = policy('p', { mode: { default: 'Shadow', workflows: { restart: 'Automatic' } } });
    expect(decideMode([p], 'shop', 'restart')).toEqual({ mode: 'Automatic', policy: 'p', perWorkflow: true });
    expect(decideMode([p], 'shop', 'scale')).toEqual({ mode: 'Shadow', policy: 'p', perWorkflow: false });
  });

  it('several policies: the most cautious wins; an Automatic policy never loosens another', () => {
    const loose = policy('a-loose', { mode: { default: 'Automatic' } });
    const approval = policy('b-approval', { mode: { workflows: { restart: 'ApprovalRequired' } } });
    const shadow = policy('c-shadow', { targetNamespaces: ['shop'], mode: { default: 'Shadow' } });
    expect(decideMode([loose, approval], 'shop', 'restart')).toMatchObject({
      mode: 'ApprovalRequired',
      policy: 'b-approval',
    });
    expect(decideMode([shadow, loose, approval], 'shop', 'restart')).toMatchObject({
      mode: 'Shadow',
      policy: 'c-shadow',
    });
    expect(decideMode([loose], 'shop', 'restart')).toEqual({
      mode: 'Automatic',
      policy: 'a-loose',
      perWorkflow: false,
    });
  });

  it('only policies covering the target namespace count (empty list: every namespace)', () => {
    const cart = policy('cart', { targetNamespaces: ['cart'], mode: { default: 'Shadow' } });
    const all = policy('all', { targetNamespaces: [], mode: { default: 'ApprovalRequired' } });
    expect(decideMode([cart], 'shop', 'restart').mode).toBe('Automatic');
    expect(decideMode([cart, all], 'shop', 'restart').mode).toBe('ApprovalRequired');
    expect(decideMode([cart, all], 'cart', 'restart').mode).toBe('Shadow');
  });

  it('malformed modes set nothing', () => {
    expect(policyMode({ mode: { default: 'shadow' } }, 'restart')).toBeUndefined();
    expect(policyMode({ mode: 'Shadow' }, 'restart')).toBeUndefined();
    expect(policyMode({ mode: { default: 'Shadow', workflows: { restart: 7 } } }, 'restart')).toEqual({
      mode: 'Shadow',
      perWorkflow: false,
    });
  });
});
