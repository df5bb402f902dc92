/**
 * Kubernetes API trouble (DESIGN §12): the kube-apiserver is restarted several times,
 * at seeded random moments, while remediations are in flight. The worker's launcher
 * and child watchers must resume on their own and no child completion may be missed.
 *
 * The workflows' safety re-read is set to an hour, so a completion can reach a
 * workflow only through a watcher signal: an RR that completes proves its watchers
 * saw every one of its children finish, across the restarts.
 *
 * A control plane of its own (etcd + kube-apiserver), so the restarts do not disturb
 * other test files; the test plays the child controllers, completing each child it
 * finds, and keeps going through the outages.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { mulberry32 } from '../../bench/stats.js';
import { sampleRemediationRequest } from '../harness/fixtures.js';
import { eventually, uniqueName } from '../harness/index.js';
import { usePrivateControlPlane } from '../harness/private-control-plane.js';
import { completedAnalysis, completedEnrichment } from '../harness/remediation.js';
import { reportFigures } from './report.js';

const RRS = 20;
const RESTARTS = 4;
const SEED = 20_261_124;

/** What the test, playing each child's controller, writes to finish it. */
const FINISH: Record<string, Record<string, unknown>> = {
  signalprocessings: completedEnrichment,
  aianalyses: completedAnalysis(false),
  workflowexecutions: { phase: 'Completed' },
  effectivenessassessments: { phase: 'Completed', assessmentReason: 'Full' },
};

describe('kube-apiserver restarted while remediations run', () => {
  const random = mulberry32(SEED);
  const plane = usePrivateControlPlane({
    // No safety net: only the watchers can tell a workflow that a child finished.
    settings: { safetyRecheckMs: 3_600_000 },
    controllers: { enabled: [] }, // the test plays them
  });
  const { namespace } = plane;

  const list = (plural: string) => plane.objects.list(plural, namespace);

  /** Plays the child controllers: finishes every child not yet finished, until stopped. */
  function playChildControllers() {
    let stopped = false;
    let finished = 0;
    const loop = (async () => {
      while (!stopped) {
        for (const plural of Object.keys(FINISH)) {
          const children = await list(plural).catch(() => [] as KubeObject[]); // the API may be down
          for (const o of children) {
            if (o.status?.phase === 'Completed') continue;
            const done = await plane.objects
              .mergeStatus(plural, namespace, o.metadata.name as string, FINISH[plural]!)
              .then(() => true)
              .catch(() => false);
            if (done) finished++;
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    return {
      finished: () => finished,
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  const phaseOf = async (rr: string) =>
    (await plane.objects.get('remediationrequests', namespace, rr).catch(() => null))?.status?.overallPhase as
      | string
      | undefined;

  it(`${RRS} remediations through ${RESTARTS} apiserver restarts: each Completed, no child completion missed, one of each child`, async () => {
    const controllers = playChildControllers();
    const rrs: string[] = [];
    let restarts = 0;
    try {
      // RRs arrive in waves between the restarts, so restarts hit every phase.
      for (let wave = 0; wave <= RESTARTS; wave++) {
        const count = wave === RESTARTS ? RRS - rrs.length : Math.floor(RRS / (RESTARTS + 1));
        for (let i = 0; i < count; i++) {
          const name = uniqueName('rr');
          await plane.objects.create(
            'remediationrequests',
            namespace,
            sampleRemediationRequest(namespace, name, uniqueName('web')) as never,
          );
          rrs.push(name);
        }
        if (wave === RESTARTS) break;
        await new Promise((r) => setTimeout(r, 500 + Math.floor(random() * 3_000)));
        await plane.kube.restartApiServer();
        restarts++;
      }
      await eventually(
        `all ${RRS} remediations to complete`,
        async () => {
          const phases = await Promise.all(rrs.map(phaseOf));
          const waiting = rrs.filter((_, i) => phases[i] !== 'Completed');
          if (waiting.length === 0) return true;
          // Shown if the deadline passes: which RRs are stuck, and where.
          throw new Error(
            `not Completed: ${waiting.map((rr) => `${rr}=${phases[rrs.indexOf(rr)]}`).join(', ')}`,
          );
        },
        300_000,
        1_000,
      );
    } finally {
      await controllers.stop();
    }

    expect(restarts).toBe(RESTARTS);
    expect(controllers.finished()).toBeGreaterThanOrEqual(RRS * Object.keys(FINISH).length);
    for (const rr of rrs) {
      const o = await plane.objects.get('remediationrequests', namespace, rr);
      expect((o?.status?.completionStatus as { outcome?: string } | undefined)?.outcome, rr).toBe(
        'Remediated',
      );
    }
    // Exactly one of each phase's child per RR, even though watches and the launcher
    // re-listed after every restart.
    for (const plural of Object.keys(FINISH)) {
      const names = (await list(plural)).map((o) => o.metadata.name as string);
      expect(new Set(names).size, plural).toBe(names.length);
      expect(names.length, plural).toBe(RRS);
    }
    reportFigures('apiserver-restarts', {
      restarts,
      remediations: RRS,
      completed: RRS,
      childCompletions: controllers.finished(),
      duplicateChildren: 0,
    });
  }, 600_000);
});
