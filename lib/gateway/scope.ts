/**
 * The optional scope rule: only resources opted in with `kubernaut.ai/managed=true`
 * are remediated. A label on the resource (its top-level owner) decides; without
 * one, the label on its namespace does. Off by default.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { statusOf } from '../kube/client.js';
import type { ResolvedOwner } from './owner-resolution.js';

export const MANAGED_LABEL = 'kubernaut.ai/managed';

export type ScopeDecision = { managed: true } | { managed: false; message: string };

export async function checkScope(core: CoreV1Api, resolved: ResolvedOwner): Promise<ScopeDecision> {
  const { owner } = resolved;
  const own = resolved.labels?.[MANAGED_LABEL];
  if (own !== undefined) {
    return own === 'true'
      ? { managed: true }
      : { managed: false, message: `${owner.kind}/${owner.name} is labelled ${MANAGED_LABEL}=${own}` };
  }
  if (owner.namespace) {
    let nsLabel: string | undefined;
    try {
      nsLabel = (await core.readNamespace({ name: owner.namespace })).metadata?.labels?.[MANAGED_LABEL];
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    if (nsLabel === 'true') return { managed: true };
    return {
      managed: false,
      message: `neither ${owner.kind}/${owner.name} nor namespace ${owner.namespace} is labelled ${MANAGED_LABEL}=true`,
    };
  }
  return { managed: false, message: `${owner.kind}/${owner.name} is not labelled ${MANAGED_LABEL}=true` };
}
