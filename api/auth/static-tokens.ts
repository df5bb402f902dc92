/**
 * Static bearer tokens from configuration:
 *
 *   API_TOKENS="token:name:role1,role2[:kind];token2:name2:reader"
 *   API_TOKENS_FILE=/path/tokens.json   # [{"token","name","roles":[...],"kind"?}]
 *
 * kind is `user` (default) or `service`. Tokens are compared in constant time.
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
      const [token, name, roles = '', kind = 'user'] = entry.split(':');
      if (!token || !name) throw new Error(`API_TOKENS entry "${entry.slice(0, 4)}…" needs token:name:roles`);
      return toStaticToken({ token, name, roles: roles.split(','), kind });
    });
}

function toStaticToken(t: { token: string; name: string; roles: string[]; kind?: string }): StaticToken {
  const roles = t.roles.map((r) => r.trim()).filter(Boolean);
  const bad = roles.filter((r) => !isRole(r));
  if (bad.length) throw new Error(`token "${t.name}": unknown role(s) ${bad.join(', ')}`);
  if (t.kind !== undefined && t.kind !== 'user' && t.kind !== 'service') {
    throw new Error(`token "${t.name}": kind must be user or service`);
  }
  return { token: t.token, name: t.name, roles: roles as Role[], kind: t.kind ?? 'user' };
}

export function readTokenFile(path: string): StaticToken[] {
  const entries = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(entries)) throw new Error(`${path}: expected a JSON array of tokens`);
  return entries.map((e) =>
    toStaticToken(e as { token: string; name: string; roles: string[]; kind?: string }),
  );
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function staticTokenAuthenticator(tokens: StaticToken[]): Authenticator {
  // Digests have equal length, which timingSafeEqual needs.
  const known = tokens.map((t) => ({
    d: digest(t.token),
    id: { name: t.name, roles: t.roles, kind: t.kind },
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
