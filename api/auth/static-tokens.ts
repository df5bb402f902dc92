/**
 * Static bearer tokens from configuration:
 *
 *   API_TOKENS="token:name:role1,role2[:kind[:group1,group2]];token2:name2:reader"
 *   API_TOKENS_FILE=/path/tokens.json   # [{"token","name","roles":[...],"kind"?,"groups"?:[...]}]
 *
 * kind is `user` (default) or `service`; groups are what an approval ladder's tiers
 * match (I10). Tokens are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Authenticator, type Identity, isRole, type Role } from './identity.js';

export interface StaticToken extends Identity {
  token: string;
}

export function parseTokenSpec(spec: string): StaticToken[] {
  return spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [token, name, roles = '', kind = 'user', groups = ''] = entry.split(':');
      if (!token || !name) throw new Error(`API_TOKENS entry "${entry.slice(0, 4)}…" needs token:name:roles`);
      return toStaticToken({
        token,
        name,
        roles: roles.split(','),
        kind,
        groups: groups
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean),
      });
    });
}

function toStaticToken(t: {
  token: string;
  name: string;
  roles: string[];
  kind?: string;
  groups?: string[];
}): StaticToken {
  const roles = t.roles.map((r) => r.trim()).filter(Boolean);
  const bad = roles.filter((r) => !isRole(r));
  if (bad.length) throw new Error(`token "${t.name}": unknown role(s) ${bad.join(', ')}`);
  if (t.kind !== undefined && t.kind !== 'user' && t.kind !== 'service') {
    throw new Error(`token "${t.name}": kind must be user or service`);
  }
  if (t.groups !== undefined && !(Array.isArray(t.groups) && t.groups.every((g) => typeof g === 'string')))
    throw new Error(`token "${t.name}": groups must be a list of names`);
  return {
    token: t.token,
    name: t.name,
    roles: roles as Role[],
    kind: t.kind ?? 'user',
    ...(t.groups?.length ? { groups: t.groups } : {}),
  };
}

export function readTokenFile(path: string): StaticToken[] {
  const entries = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(entries)) throw new Error(`${path}: expected a JSON array of tokens`);
  return entries.map((e) =>
    toStaticToken(e as { token: string; name: string; roles: string[]; kind?: string; groups?: string[] }),
  );
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function staticTokenAuthenticator(tokens: StaticToken[]): Authenticator {
  // Digests have equal length, which timingSafeEqual needs.
  const known = tokens.map((t) => ({
    d: digest(t.token),
    id: { name: t.name, roles: t.roles, kind: t.kind, ...(t.groups ? { groups: t.groups } : {}) },
  }));
  return {
    name: 'static-tokens',
    async authenticate(token) {
      const d = digest(token);
      let found: Identity | null = null;
      for (const k of known) if (timingSafeEqual(k.d, d)) found = k.id;
      return found;
    },
  };
}
