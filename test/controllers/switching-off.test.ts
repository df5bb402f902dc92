/**
 * A controller switched off leaves its kind to someone else: with only the
 * SignalProcessing controller on, children of every other kind stay untouched
 * while SignalProcessing objects are processed.
 */
import { describe, expect, it } from 'vitest';
import { CHILD_KINDS } from '../../lib/kinds.js';
import { CONTROLLER_NAMES, parseEnabledControllers } from '../../workers/controllers/config.js';
import { useControllerHarness } from '../harness/controllers.js';
import { uniqueName } from '../harness/index.js';
import { createDeployment } from '../harness/workloads.js';

describe('switching controllers off', () => {
  const h = useControllerHarness({ enabled: ['signalprocessing'] }, 'off');

  it('only the enabled kind gets status; the others are left for an external controller', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr = await h.createRR({ kind: 'Deployment', name: web, namespace: h.namespace });
    const n = rr.metadata.name;
    const ref = { kind: 'RemediationRequest', name: n, namespace: h.namespace, uid: rr.metadata.uid };
    const target = { kind: 'Deployment', name: web, namespace: h.namespace };
    await h.createChild(
      'AIAnalysis',
      `ai-${n}`,
      {
        remediationRequestRef: ref,
        remediationId: n,
        analysisRequest: {
          analysisTypes: ['RootCause'],
          signalContext: {
            fingerprint: 'a'.repeat(64),
            signalName: 'KubePodCrashLooping',
            severity: 'critical',
            environment: 'Unknown',
            businessPriority: 'P1',
            targetResource: target,
            enrichmentResults: {},
          },
        },
      },
      rr,
    );
    const workflowRef = {
      workflowId: 'r',
      workflowName: 'r',
      version: '1',
      actionType: 'restart',
      executionBundle: 'builtin:restart',
    };
    await h.createChild(
      'WorkflowExecution',
      `we-${n}`,
      { remediationRequestRef: ref, workflowRef, targetResource: `${h.namespace}/Deployment/${web}` },
      rr,
    );
    await h.createChild(
      'EffectivenessAssessment',
      `ea-${n}`,
      {
        correlationID: n,
        remediationRequestPhase: 'Verifying',
        remediationTarget: target,
        signalTarget: target,
        config: { stabilizationWindow: '0s' },
      },
      rr,
    );
    await h.createChild(
      'NotificationRequest',
      `nr-completion-${n}`,
      { type: 'Completion', priority: 'Low', subject: 's', body: 'b' },
      rr,
    );
    // Created last: by the time it is processed, a running controller of any other kind
    // would long have written the objects created before it.
    await h.createChild(
      'SignalProcessing',
      `sp-${n}`,
      {
        remediationRequestRef: ref,
        signal: {
          fingerprint: 'a'.repeat(64),
          name: 'KubePodCrashLooping',
          severity: 'critical',
          type: 'alert',
          targetType: 'kubernetes',
          targetResource: target,
          receivedTime: new Date().toISOString(),
        },
      },
      rr,
    );
    await h.waitForStatus('SignalProcessing', `sp-${n}`, (s) => s.phase === 'Completed');
    for (const [kind, name] of [
      ['AIAnalysis', `ai-${n}`],
      ['WorkflowExecution', `we-${n}`],
      ['EffectivenessAssessment', `ea-${n}`],
      ['NotificationRequest', `nr-completion-${n}`],
    ] as const) {
      const o = await h.objects.get(CHILD_KINDS[kind].plural, h.namespace, name);
      expect(o?.status, `${kind} ${name}`).toBeUndefined();
    }
  });

  it('KUBERNAUT_CONTROLLERS names the controllers to run: a list, all (the default) or none', () => {
    expect(parseEnabledControllers(undefined)).toEqual([...CONTROLLER_NAMES]);
    expect(parseEnabledControllers('all')).toEqual([...CONTROLLER_NAMES]);
    expect(parseEnabledControllers('signalprocessing, AIAnalysis')).toEqual([
      'signalprocessing',
      'aianalysis',
    ]);
    expect(parseEnabledControllers('none')).toEqual([]);
    expect(parseEnabledControllers('')).toEqual([]);
    expect(() => parseEnabledControllers('signalprocessing,gateway')).toThrow(
      /unknown controller\(s\) gateway/,
    );
  });
});
