/**
 * Kubernetes TokenReview authenticator, for running in a cluster: the API server
 * validates the bearer token (a ServiceAccount or OIDC token) and names its user and
 * groups; roles come from a group→roles map in configuration. Results are cached
 * briefly so a busy client costs one TokenReview per token per minute.
 *
 * Authorisation stays role-based here; a SubjectAccessReview check can be added as
 * another Authenticator wrapping this one.
 */
import * as k8s from '@kubernetes/client-node';
import type { Authenticator, Identity, Role } from './identity.js';

export interface TokenReviewOptions {
  /** Kubernetes group (or user) name → roles, e.g. {"system:serviceaccounts:kubernaut": ["writer"]}. */
  roleBindings: Record<string, Role[]>;
  audiences?: string[];
  cacheTtlMs?: number;
}

export function tokenReviewAuthenticator(kc: k8s.KubeConfig, opts: TokenReviewOptions): Authenticator {
  const api = kc.makeApiClient(k8s.AuthenticationV1Api);
  const ttl = opts.cacheTtlMs ?? 60_000;
  const cache = new Map<string, { at: number; id: Identity | null }>();
  return {
    name: 'kubernetes-token-review',
    async authenticate(token) {
      const hit = cache.get(token);
      if (hit && Date.now() - hit.at < ttl) return hit.id;
      const review = await api.createTokenReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, audiences: opts.audiences },
        },
      });
      const user = review.status?.authenticated ? review.status.user : undefined;
      let id: Identity | null = null;
      if (user?.username) {
        const roles = new Set<Role>();
        for (const subject of [user.username, ...(user.groups ?? [])]) {
          for (const r of opts.roleBindings[subject] ?? []) roles.add(r);
        }
        const service = user.username.startsWith('system:serviceaccount:');
        id = { name: user.username, roles: [...roles], kind: service ? 'service' : 'user' };
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(token, { at: Date.now(), id });
      return id;
    },
  };
}
