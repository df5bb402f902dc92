/**
 * The budgets of a RemediationPolicy (docs/policies.md): what each one counts, when it
 * says the budget frees up, and which policies cover a target.
 */
import { describe, expect, it } from 'vitest';
import {
  firstExhausted,
  type Grant,
  HOUR_MS,
  keepGrant,
  type Policy,
  policyOf,
  type Standing,
} from '../../activities/budget-rules.js';

const NOW = Date.UTC(2026, 10, 30, 12);
const grant = (uid: string, minutesAgo: number, targetNamespace = 'shop'): Grant => ({
  uid,
  name: `rr-${uid}`,
  targetNamespace,
  at: NOW - minutesAgo * 60_000,
});
const standing = (over: Partial<Standing> = {}): Standing => ({
  grants: [],
  open: new Set(),
  failures: [],
  deployments: () => 0,
  ...over,
});
const policy = (over: Partial<Policy>): Policy => ({
  name: 'p',
  namespaces: ['shop'],
  whenExhausted: 'Wait',
  ...over,
});

describe('RemediationPolicy budgets', () => {
  it('executions per hour: the hour is sliding, and it frees up when enough grants leave it', () => {
    const p = policy({ executionsPerHour: 2 });
    const grants = [grant('a', 50), grant('b', 10), grant('c', 70)]; // c left the hour
    expect(firstExhausted([p], standing({ grants: grants.slice(0, 1) }), 'shop', NOW)).toBeUndefined();
    const spent = firstExhausted([p], standing({ grants }), 'shop', NOW);
    expect(spent).toEqual({
      policy: 'p',
      limit: '2 executions per hour',
      freesAt: grants[0]!.at + HOUR_MS,
      escalate: false,
    });
    // With a budget of 1 and two in the hour, both must leave: the newer one decides.
    expect(
      firstExhausted([policy({ executionsPerHour: 1 })], standing({ grants }), 'shop', NOW)?.freesAt,
    ).toBe(grants[1]!.at + HOUR_MS);
    expect(firstExhausted([policy({ executionsPerHour: 0 })], standing(), 'shop', NOW)?.freesAt).toBe(
      NOW + HOUR_MS,
    );
  });

  it('at once: only grants whose remediation is still open count, and there is no time it frees up', () => {
    const p = policy({ maxConcurrent: 1 });
    const grants = [grant('a', 100), grant('b', 5)];
    expect(firstExhausted([p], standing({ grants, open: new Set() }), 'shop', NOW)).toBeUndefined();
    expect(firstExhausted([p], standing({ grants, open: new Set(['a']) }), 'shop', NOW)).toEqual({
      policy: 'p',
      limit: '1 remediations executing at once',
      escalate: false,
    });
  });

  it("a share of a namespace's Deployments: counted in the target's namespace, at least one may run", () => {
    const p = policy({ namespaces: [], maxConcurrentPercent: 10 });
    const open = new Set(['a', 'b']);
    const grants = [grant('a', 1, 'shop'), grant('b', 1, 'cart')];
    const deployments = (ns: string) => ({ shop: 30, cart: 5 })[ns] ?? 0;
    // shop: 10% of 30 = 3, one running. cart: 10% of 5 rounds down to 0, but one may run — and one does.
    expect(firstExhausted([p], standing({ grants, open, deployments }), 'shop', NOW)).toBeUndefined();
    expect(firstExhausted([p], standing({ grants, open, deployments }), 'cart', NOW)?.limit).toBe(
      '10% of the Deployments of cart under remediation at once (1)',
    );
  });

  it('pause when failing: more than K failures in the hour stop it until enough leave the hour', () => {
    const p = policy({ pauseWhenFailing: 1 });
    const at = (m: number) => NOW - m * 60_000;
    const failures = [
      { targetNamespace: 'shop', at: at(30) },
      { targetNamespace: 'shop', at: at(20) },
      { targetNamespace: 'shop', at: at(90) }, // left the hour
      { targetNamespace: 'cart', at: at(1) }, // not covered
    ];
    const spent = firstExhausted([p], standing({ failures }), 'shop', NOW);
    expect(spent?.freesAt).toBe(at(30) + HOUR_MS);
    expect(spent?.limit).toContain('(2 did)');
    expect(firstExhausted([p], standing({ failures: failures.slice(1) }), 'shop', NOW)).toBeUndefined();
  });

  it('a policy covers its namespaces, or every namespace (cluster-scoped targets too) when it names none', () => {
    const grants = [grant('a', 1, 'shop')];
    const narrow = policy({ namespaces: ['shop'], executionsPerHour: 1 });
    const wide = policy({ name: 'all', namespaces: [], executionsPerHour: 1 });
    expect(firstExhausted([narrow], standing({ grants }), 'cart', NOW)).toBeUndefined();
    expect(firstExhausted([wide], standing({ grants }), '', NOW)?.policy).toBe('all');
    // Several policies: the first spent one answers.
    expect(
      firstExhausted([policy({ executionsPerHour: 5 }), wide], standing({ grants }), 'shop', NOW)?.policy,
    ).toBe('all');
  });

  it('a grant is kept for its hour and while its remediation runs', () => {
    expect(keepGrant(grant('a', 59), new Set(), NOW)).toBe(true);
    expect(keepGrant(grant('a', 61), new Set(), NOW)).toBe(false);
    expect(keepGrant(grant('a', 600), new Set(['a']), NOW)).toBe(true);
  });

  it('reads a policy spec: no limit set, or a malformed one, is no budget', () => {
    expect(policyOf('p', { budget: {} })).toBeUndefined();
    expect(policyOf('p', { budget: { executionsPerHour: -1 } })).toBeUndefined();
    expect(policyOf('p', undefined)).toBeUndefined();
    expect(policyOf('p', { targetNamespaces: ['a'], budget: { maxConcurrent: 2 } })).toMatchObject({
      namespaces: ['a'],
      maxConcurrent: 2,
      whenExhausted: 'Wait',
    });
  });

  it('whenExhausted: a spent budget of an Escalate policy says to escalate; anything else waits', () => {
    const spec = (whenExhausted?: string) => ({ budget: { executionsPerHour: 0, whenExhausted } });
    const spentUnder = (...ps: Policy[]) => firstExhausted(ps, standing(), 'shop', NOW);
    expect(spentUnder({ ...policyOf('p', spec('Escalate'))!, namespaces: ['shop'] })?.escalate).toBe(true);
    expect(spentUnder({ ...policyOf('p', spec('Wait'))!, namespaces: ['shop'] })?.escalate).toBe(false);
    expect(spentUnder({ ...policyOf('p', spec())!, namespaces: ['shop'] })?.escalate).toBe(false);
    expect(policyOf('p', spec('Panic'))?.whenExhausted).toBe('Wait');
    // The spent policy decides: a roomy Escalate policy beside a spent Wait one waits.
    const roomy = policy({ name: 'roomy', executionsPerHour: 9, whenExhausted: 'Escalate' });
    const spent = policy({ name: 'spent', executionsPerHour: 0 });
    expect(spentUnder(roomy, spent)).toMatchObject({ policy: 'spent', escalate: false });
  });
});
