/**
 * How healthy a workload is, from what its controllers report: a score in
 * [0, 1] and whether it counts as healthy. Read-only; pure over the object.
 */
import type { RawObject } from './target.js';

export interface Health {
  assessed: boolean;
  healthy: boolean;
  score: number;
  detail: string;
}

const num = (v: unknown, d = 0) => (typeof v === 'number' ? v : d);
const ratio = (have: number, want: number) => (want <= 0 ? 1 : Math.min(1, have / want));
const conditionTrue = (o: RawObject, type: string) =>
  ((o.status?.conditions ?? []) as { type: string; status: string }[]).some(
    (c) => c.type === type && c.status === 'True',
  );

export function healthOf(kind: string, o: RawObject): Health {
  const s = o.status ?? {};
  const observed = num(s.observedGeneration) >= num(o.metadata.generation);
  switch (kind) {
    case 'Deployment': {
      const want = num(o.spec?.replicas, 1);
      const available = num(s.availableReplicas);
      const updated = num(s.updatedReplicas);
      const total = num(s.replicas);
      const score = ratio(Math.min(available, updated), want);
      // Rolled out: the current generation seen, every replica new and available, no old ones left.
      const healthy = observed && score === 1 && total === want;
      return {
        assessed: true,
        healthy,
        score,
        detail: `${available}/${want} available, ${updated} updated, ${total} total${observed ? '' : ', rollout not yet observed'}`,
      };
    }
    case 'StatefulSet': {
      const want = num(o.spec?.replicas, 1);
      const ready = num(s.readyReplicas);
      const score = ratio(ready, want);
      return { assessed: true, healthy: observed && score === 1, score, detail: `${ready}/${want} ready` };
    }
    case 'DaemonSet': {
      const want = num(s.desiredNumberScheduled);
      const available = num(s.numberAvailable);
      const score = ratio(available, want);
      return {
        assessed: true,
        healthy: observed && score === 1,
        score,
        detail: `${available}/${want} available`,
      };
    }
    case 'Pod':
    case 'Node': {
      const ready = conditionTrue(o, 'Ready');
      return { assessed: true, healthy: ready, score: ready ? 1 : 0, detail: ready ? 'Ready' : 'not Ready' };
    }
    default:
      return { assessed: false, healthy: false, score: 0, detail: `no health rule for ${kind}` };
  }
}
