import { describe, expect, it } from 'vitest';
import { DEFAULT_APPROVAL_POLICY, evaluateApproval } from '../../lib/analysis/approval-policy.js';
import { catalogProvider, loadCatalog, matchCatalog } from '../../lib/analysis/catalog.js';
import { assignPriority, classifyEnvironment, normaliseSeverity } from '../../lib/classification.js';

describe('signal classification', () => {
  it.each([
    ['Sev1', 'critical'],
    ['P0', 'critical'],
    ['CRITICAL', 'critical'],
    ['error', 'high'],
    ['warning', 'warning'],
    ['warn', 'warning'],
    ['info', 'info'],
    ['sev-4', 'info'],
    ['whatever', 'unknown'],
    [undefined, 'unknown'],
  ])('severity %s normalises to %s', (raw, want) => {
    expect(normaliseSeverity(raw)).toBe(want);
  });

  it('environment: the namespace label wins over the name, the name over nothing', () => {
    expect(classifyEnvironment('payments-dev', { 'kubernaut.ai/environment': 'Production' })).toEqual({
      environment: 'Production',
      source: 'namespace-label',
    });
    expect(classifyEnvironment('payments-prod')).toEqual({
      environment: 'Production',
      source: 'namespace-name',
    });
    expect(classifyEnvironment('staging')).toMatchObject({ environment: 'Staging' });
    expect(classifyEnvironment('team-a-qa')).toMatchObject({ environment: 'Test' });
    expect(classifyEnvironment('product-catalog')).toEqual({ environment: 'Unknown', source: 'default' });
  });

  it('priority comes from severity × environment, through a replaceable matrix', () => {
    expect(assignPriority('critical', 'Production')).toBe('P0');
    expect(assignPriority('warning', 'Development')).toBe('P3');
    const flat = Object.fromEntries(
      ['critical', 'high', 'warning', 'info', 'unknown'].map((s) => [
        s,
        { Production: 'P1', Staging: 'P1', Development: 'P1', Test: 'P1', Unknown: 'P1' },
      ]),
    ) as never;
    expect(assignPriority('info', 'Test', flat)).toBe('P1');
  });
});

describe('approval policy', () => {
  it('names every rule that fires', () => {
    expect(
      evaluateApproval(DEFAULT_APPROVAL_POLICY, {
        environment: 'Production',
        targetKind: 'Node',
        confidence: 0.75,
      }),
    ).toMatchObject({
      approvalRequired: true,
      matchedRules: ['environment:Production', 'sensitive-kind:Node', 'confidence-below:0.8'],
    });
    expect(
      evaluateApproval(DEFAULT_APPROVAL_POLICY, {
        environment: 'Staging',
        targetKind: 'Deployment',
        confidence: 0.9,
      }),
    ).toEqual({ approvalRequired: false, matchedRules: [] });
  });
});

describe('remediation catalog', () => {
  const catalog = loadCatalog();
  const input = (signalName: string, kind = 'Deployment', workload?: { kind: string; name: string }) => ({
    signalName,
    severity: 'critical',
    environment: 'Production',
    businessPriority: 'P0',
    target: { kind, name: 'x', namespace: 'ns' },
    ...(workload ? { workload } : {}),
  });

  it('loads and validates every RemediationWorkflow in crds/catalog', () => {
    expect(catalog.map((e) => e.workflowId)).toContain('restart-crashlooping-workload');
  });

  it('matches on signal name (case-insensitively) and the kind of the object to act on', () => {
    expect(matchCatalog(catalog, input('kubepodcrashlooping'))[0]?.workflowId).toBe(
      'restart-crashlooping-workload',
    );
    expect(
      matchCatalog(catalog, input('KubePodCrashLooping', 'Pod', { kind: 'Deployment', name: 'web' }))[0]
        ?.actionType,
    ).toBe('restart');
    expect(matchCatalog(catalog, input('KubePodNotReady', 'Pod'))[0]?.workflowId).toBe('delete-stuck-pod');
    expect(matchCatalog(catalog, input('KubePodCrashLooping', 'Node'))).toEqual([]);
  });

  it('labels narrow a match, and the more specific entry wins', async () => {
    const restart = catalog.find((e) => e.workflowId === 'restart-crashlooping-workload')!;
    const special = { ...restart, workflowId: 'special', match: { ...restart.match, labels: { team: 'a' } } };
    const withLabels = (labels: Record<string, string>) => ({
      ...input('KubePodCrashLooping', 'Pod'),
      workload: { kind: 'Deployment', name: 'w', labels },
    });
    expect(matchCatalog([...catalog, special], withLabels({ team: 'a' }))[0]?.workflowId).toBe('special');
    expect(matchCatalog([...catalog, special], withLabels({ team: 'b' }))[0]?.workflowId).not.toBe('special');
    const result = await catalogProvider(catalog).analyse(input('NothingKnown'));
    expect(result.workflow).toBeUndefined();
    expect(result.noMatchReason).toContain('NothingKnown');
  });
});
