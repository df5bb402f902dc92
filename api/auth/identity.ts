/**
 * Who is calling, and what they may do. Authenticators are pluggable: static bearer
 * tokens from configuration (the embedded default) and Kubernetes TokenReview (in a
 * cluster); the first authenticator that recognises a token wins.
 */
export const ROLES = ['reader', 'writer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  name: string;
  roles: Role[];
  /**
   * A person ('user') or a program ('service'). A user's authenticated name replaces
   * any actor_id they claim in an audit event; a service may write on behalf of the
   * actors it reports about (e.g. the orchestrator's events).
   */
  kind: 'user' | 'service';
  /**
   * The groups the authenticator knows for this identity (TokenReview's; a static
   * token's configured ones). An approval ladder (I10) matches them against its tiers
   * and sends them with the SubjectAccessReview on the target.
   */
  groups?: string[];
}

export interface Authenticator {
  readonly name: string;
  /** The identity for a bearer token, or null when this authenticator does not know it. */
  authenticate(token: string): Promise<Identity | null>;
}

/** admin may do everything; writer and approver may also read. */
export function hasRole(identity: Identity, needed: Role): boolean {
  if (identity.roles.includes('admin') || identity.roles.includes(needed)) return true;
  return needed === 'reader' && (identity.roles.includes('writer') || identity.roles.includes('approver'));
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
