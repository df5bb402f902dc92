/**
 * A restored RemediationRequest (invariant I4, docs/invariants.md): the YAML that
 * reconstruction rebuilds from the audit trail carries the label
 * kubernaut.ai/reconstructed=true, and `kubectl apply` of it creates an RR without
 * its status (the status subresource drops it). Such an RR records a remediation
 * that already happened: it must never run again (a second restart, scale or
 * resource change of a workload already remediated). So the launcher never starts
 * it, and this gives it its status back from the same audit trail. A trail that
 * cannot be rebuilt, or that ended before the remediation did, still ends the RR:
 * Skipped, saying why — a restored RR never sits non-terminal, where the gateway
 * would count new alerts into it instead of opening a new remediation (I6).
 */
import type pg from 'pg';
import type { KubeObject } from '../activities/kube-objects.js';
import type { RemediationActivities } from '../activities/remediation.js';
import { isTerminalPhase } from '../lib/domain.js';
import { CORRELATION_KEY } from '../lib/reconstruct/build.js';
import { reconstructRemediationRequest } from '../lib/reconstruct/index.js';

export interface RestoreDeps {
  acts: Pick<RemediationActivities, 'writeRemediationStatus'>;
  pool: pg.Pool;
}

/**
 * Writes the restored RR's status. Idempotent: the status is rebuilt from audit rows
 * that do not change, and writeRemediationStatus never replaces a terminal status,
 * so a repeat (another replica, a retry) writes nothing new.
 */
export async function restoreReconstructed(
  deps: RestoreDeps,
  rr: KubeObject,
): Promise<'restored' | 'skipped' | 'gone'> {
  const namespace = rr.metadata.namespace ?? 'default';
  const correlationId = rr.metadata.annotations?.[CORRELATION_KEY] ?? rr.metadata.name;
  let rebuilt: Record<string, unknown> | undefined;
  let why = '';
  try {
    const rec = await reconstructRemediationRequest(deps.pool, correlationId);
    rebuilt = rec.remediationRequest.status as Record<string, unknown> | undefined;
  } catch (err) {
    why = (err as Error).message;
  }
  const phase = rebuilt?.overallPhase as string | undefined;
  const terminal = isTerminalPhase(phase);
  const now = new Date().toISOString();
  const message = terminal
    ? `Restored from the audit trail of ${correlationId}; a restored RemediationRequest never runs again`
    : `Restored from the audit trail of ${correlationId}${phase ? `, which ends in ${phase}` : ''}${why ? ` (${why})` : ''}; a restored RemediationRequest never runs again`;
  const status: Record<string, unknown> = terminal
    ? { ...rebuilt, message: (rebuilt!.message as string | undefined) ?? message }
    : {
        ...(rebuilt ?? {}),
        overallPhase: 'Skipped',
        message,
        completedAt: now,
        conditions: [{ type: 'Ready', status: 'False', reason: 'Skipped', message, lastTransitionTime: now }],
      };
  const written = await deps.acts.writeRemediationStatus({
    namespace,
    name: rr.metadata.name,
    uid: rr.metadata.uid!,
    status,
  });
  if (written === 'gone') return 'gone';
  return terminal ? 'restored' : 'skipped';
}
