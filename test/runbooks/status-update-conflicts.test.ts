/**
 * docs/runbooks/status-update-conflicts.md, tried: the built-in SignalProcessing
 * controller and a script that keeps patching the same object's status fight over
 * it — the controller's compare-and-set writes are refused with 409 (Category E),
 * counted in kubernaut_status_update_conflicts_total{writer}, what
 * KubernautStatusUpdateConflicts fires on. The runbook's first diagnostic, `curl -s
 * <worker>:8081/metrics | grep '^kubernaut_status_update_conflicts_total'`, names
 * the writer.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import type { RemediationRequestSpec } from '../../lib/remediation-request.js';
import { signalProcessingSpec } from '../../workflows/children.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, uniqueName } from '../harness/index.js';
import { curl, grep, sampleValue, useWorkerProbePort } from '../harness/operator.js';
import { useRemediationHarness } from '../harness/remediation.js';

const SERIES = 'kubernaut_status_update_conflicts_total{writer="signalprocessing"}';

describe('runbook: status update conflicts', () => {
  const h = useRemediationHarness({}, { controllers: { enabled: ['signalprocessing'] } });
  const probe = useWorkerProbePort(() => h.runtime.readiness());
  const conflictLines = async () =>
    grep((await curl(`${probe.url}/metrics`)).body, 'kubernaut_status_update_conflicts_total');

  it('a script patching a SignalProcessing status beside its controller → 409s counted for that writer', async () => {
    const before = sampleValue(await conflictLines(), SERIES);
    const name = uniqueName('sp-contested');
    const owner = { namespace: h.namespace, name: 'contested', uid: '00000000-0000-0000-0000-000000000000' };
    const rrSpec = sampleRemediationRequest(h.namespace, 'contested')
      .spec as unknown as RemediationRequestSpec;
    await h.objects.create('signalprocessings', h.namespace, {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'SignalProcessing',
      metadata: { name, namespace: h.namespace },
      spec: signalProcessingSpec(owner, rrSpec, new Date(Date.now() + 600_000).toISOString()),
    } as unknown as KubeObject);

    // The other writer: puts the status back to Pending, again and again, unconditionally.
    let fighting = true;
    const fighter = (async () => {
      while (fighting)
        await h.objects.mergeStatus('signalprocessings', h.namespace, name, {
          phase: 'Pending',
          startTime: new Date().toISOString(),
        });
    })();
    let lines: string[];
    try {
      lines = await eventually('conflicts counted for the signalprocessing writer', async () => {
        const l = await conflictLines();
        return sampleValue(l, SERIES) - before >= 5 ? l : undefined;
      });
    } finally {
      fighting = false;
      await fighter;
    }
    expect(lines.find((l) => l.startsWith(`${SERIES} `))).toBeDefined();
    expect(sampleValue(lines, SERIES) - before).toBeGreaterThanOrEqual(5);
  });
});
