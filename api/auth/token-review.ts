/**
 * Kubernetes TokenReview authenticator, for running in a cluster: the API server
 * validates the bearer token (a ServiceAccount or OIDC token) and names its user and
 * groups; roles come from a group→roles map in configuration. Results are cached
 * briefly so a busy client costs one TokenReview per token per minute.
 *
 * With `accessReview`, roles also come from RBAC: one SubjectAccessReview per role
 * (ACCESS_REVIEW_ATTRIBUTES says which verb on which kubernaut.ai resource each role
 * means), so cluster admins grant API rights with ordinary (Cluster)RoleBindings.
 */
import * as k8s from '@kubernetes/client-node';
import type { Authenticator, Identity, Role } from './identity.js';

export interface TokenReviewOptions {
  /** Kubernetes group (or user) name → roles, e.g. {"system:serviceaccounts:kubernaut": ["writer"]}. */
  roleBindings: Record<string, Role[]>;
  audiences?: string[];
  cacheTtlMs?: number;
  /** Also derive roles from SubjectAccessReviews against the cluster's RBAC. */
  accessReview?: boolean;
}

/** What each API role means in RBAC terms (resources need not exist as kinds: RBAC checks names). */
export const ACCESS_REVIEW_ATTRIBUTES: Record<Role, k8s.V1ResourceAttributes> = {
  reader: { group: 'kubernaut.ai', resource: 'auditevents', verb: 'get' },
  writer: { group: 'kubernaut.ai', resource: 'auditevents', verb: 'create' },
  approver: {
    group: 'kubernaut.ai',
    resource: 'remediationapprovalrequests',
    subresource: 'status',
    verb: 'update',
  },
  admin: { group: 'kubernaut.ai', resource: 'auditlegalholds', verb: 'create' },
};

export function tokenReviewAuthenticator(kc: k8s.KubeConfig, opts: TokenReviewOptions): Authenticator {
  const api = kc.makeApiClient(k8s.AuthenticationV1Api);
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
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
        if (opts.accessReview) {
          const checks = await Promise.all(
            (Object.keys(ACCESS_REVIEW_ATTRIBUTES) as Role[]).map(async (role) => {
              const sar = await authz.createSubjectAccessReview({
                body: {
                  apiVersion: 'authorization.k8s.io/v1',
                  kind: 'SubjectAccessReview',
                  spec: {
                    user: user.username,
                    groups: user.groups,
                    uid: user.uid,
                    extra: user.extra,
                    resourceAttributes: ACCESS_REVIEW_ATTRIBUTES[role],
                  },
                },
              });
              return sar.status?.allowed ? role : undefined;
            }),
          );
          for (const r of checks) if (r) roles.add(r);
        }
        const service = user.username.startsWith('system:serviceaccount:');
        id = {
          name: user.username,
          roles: [...roles],
          kind: service ? 'service' : 'user',
          ...(user.groups?.length ? { groups: user.groups } : {}),
        };
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(token, { at: Date.now(), id });
      return id;
    },
  };
}
