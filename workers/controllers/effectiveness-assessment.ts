/**
 * Built-in EffectivenessAssessment controller (DESIGN §6): once the
 * stabilisation window has passed, checks that the target is healthy and that
 * its spec changed as the action intended, and scores the outcome.
 *
 * The window is measured from the assessment's creationTimestamp — a fact stored
 * in the object — so a restarted worker schedules the same moment again (a
 * requeue timer per object). If the target is not yet healthy at the end of the
 * window it is re-checked for a grace period (a rollout in progress is not a
 * failure). Two replicas: every step reads, phase moves are compare-and-set on
 * the resourceVersion read, so one result lands.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, KubeObjects } from '../../activities/kube-objects.js';
import { AuditConflictError } from '../../lib/audit/idempotency.js';
import type { AuditWriter } from '../../lib/audit/types.js';
import { type AssessmentResult, assessmentEvents } from '../../lib/effectiveness/events.js';
import { CHILD_KINDS } from '../../lib/kinds.js';
import { describeTarget, readObject, type TargetRef, targetSpecHash } from '../../lib/kube/target.js';
import { healthOf } from '../../lib/kube/target-health.js';
import type { EffectivenessConfig } from './config.js';
import type { Reconciler } from './reconcile-loop.js';
import { nowIso, parseDuration, writeStatusIfUnchanged } from './status-write.js';
import { SPEC_HASH_AFTER } from './workflow-execution.js';

const plural = CHILD_KINDS.EffectivenessAssessment.plural;
/** Actions meant to change the target's spec (a restart stamps the pod template). */
const SPEC_CHANGING = ['restart', 'scale', 'set-resources', 'cordon-node'];

export function effectivenessReconciler(
  kc: KubeConfig,
  objects: KubeObjects,
  cfg: EffectivenessConfig = {},
  audit?: AuditWriter,
): Reconciler {
  const graceMs = cfg.healthGraceMs ?? 60_000;
  const recheckMs = cfg.recheckMs ?? 2_000;
  return {
    name: 'effectivenessassessment',
    plural,
    isDone: (o) => ['Completed', 'Failed'].includes(o.status?.phase as string),
    async reconcile(ea) {
      const config = (ea.spec?.config ?? {}) as { stabilizationWindow?: string };
      const window = parseDuration(config.stabilizationWindow);
      const complete = (status: Record<string, unknown>) =>
        writeStatusIfUnchanged(kc, plural, ea, { completedAt: nowIso(), ...status }).then(() => undefined);
      if (window === undefined)
        return complete({
          phase: 'Failed',
          message: `stabilizationWindow ${JSON.stringify(config.stabilizationWindow)} is not a duration such as 30s or 5m`,
        });
      const dueAt =
        Date.parse((ea.metadata as { creationTimestamp?: string }).creationTimestamp ?? nowIso()) + window;
      const now = Date.now();
      const phase = ea.status?.phase as string | undefined;
      if (now < dueAt) {
        if (phase !== 'Stabilizing')
          await writeStatusIfUnchanged(kc, plural, ea, {
            phase: 'Stabilizing',
            message: `waiting until ${new Date(dueAt).toISOString()} before assessing`,
          });
        return { requeueAfterMs: dueAt - now };
      }
      const result = await assess(kc, objects, ea);
      if (!result.final && now < dueAt + graceMs) {
        if (phase !== 'Assessing')
          await writeStatusIfUnchanged(kc, plural, ea, { phase: 'Assessing', message: result.message });
        return { requeueAfterMs: recheckMs };
      }
      // The trail first: its ids are deterministic, so a run that dies before the status
      // write repeats it as a no-op; after it, the assessment is done and not re-run.
      // A repeat whose re-assessment came out otherwise (a later time, a new score) is
      // refused by the writer (AuditConflictError): the assessment of this EA is already
      // in the trail, and that record stands, as it did when ids alone were compared.
      if (audit) {
        await audit.write(assessmentEvents(eventsOf(ea, result))).catch((err: unknown) => {
          if (!(err instanceof AuditConflictError)) throw err;
        });
      }
      return complete({ phase: 'Completed', ...result.status, message: result.message });
    },
  };
}

type Assessment = Awaited<ReturnType<typeof assess>>;

function eventsOf(ea: KubeObject, r: Assessment): AssessmentResult {
  const c = r.status.components as {
    healthAssessed: boolean;
    healthScore?: number;
    postRemediationSpecHash?: string;
  };
  return {
    correlationId: String(ea.spec?.correlationID ?? ea.metadata.name),
    namespace: ea.metadata.namespace!,
    eaName: ea.metadata.name,
    eaUid: ea.metadata.uid!,
    at: nowIso(),
    health: { assessed: c.healthAssessed, score: c.healthScore, details: r.message },
    hash: { pre: ea.spec?.preRemediationSpecHash as string | undefined, post: c.postRemediationSpecHash },
    reason: r.status.assessmentReason,
    message: r.message,
  };
}

/** The assessment now; `final` is false while an unhealthy target may still recover. */
async function assess(kc: KubeConfig, objects: KubeObjects, ea: KubeObject) {
  const target = ea.spec?.remediationTarget as TargetRef;
  const we = await objects.get(
    CHILD_KINDS.WorkflowExecution.plural,
    ea.metadata.namespace!,
    `we-${String(ea.spec?.correlationID)}`,
  );
  const action = (we?.spec?.workflowRef as { actionType?: string } | undefined)?.actionType ?? '';
  const pre = ea.spec?.preRemediationSpecHash as string | undefined;
  const post =
    we?.metadata.annotations?.[SPEC_HASH_AFTER] ??
    (we?.status?.change as { afterSpecHash?: string } | undefined)?.afterSpecHash;
  const obj = await readObject(kc, target);
  if (!obj) {
    const replaced = action === 'delete-pod';
    return {
      final: true,
      message: replaced
        ? `${describeTarget(target)} was deleted as intended; its replacement is not tracked`
        : `${describeTarget(target)} no longer exists`,
      status: {
        assessmentReason: replaced ? 'Partial' : 'Unrecoverable',
        components: { healthAssessed: false, hashComputed: false },
      },
    };
  }
  const health = healthOf(target.kind, obj);
  const current = (await targetSpecHash(kc, target)) ?? undefined;
  const drift = !!post && current !== post && current !== pre;
  const changedAsIntended = !SPEC_CHANGING.includes(action) || !pre || current !== pre;
  const reason = drift
    ? 'SpecDrift'
    : health.healthy && changedAsIntended
      ? 'Full'
      : health.healthy || changedAsIntended
        ? 'Partial'
        : 'Unrecoverable';
  const words = [
    health.assessed ? `health ${health.score.toFixed(2)} (${health.detail})` : health.detail,
    drift
      ? 'the spec changed again after the remediation'
      : changedAsIntended
        ? SPEC_CHANGING.includes(action)
          ? `the spec changed as ${action} intended`
          : 'no spec change expected'
        : `the spec is unchanged although ${action} should have changed it`,
  ];
  return {
    final: health.healthy || !health.assessed || drift,
    message: `${reason}: ${words.join('; ')}`,
    status: {
      assessmentReason: reason,
      components: {
        healthAssessed: health.assessed,
        healthScore: health.score,
        hashComputed: current !== undefined,
        ...(post || current ? { postRemediationSpecHash: post ?? current } : {}),
        ...(current ? { currentSpecHash: current } : {}),
      },
    },
  };
}
