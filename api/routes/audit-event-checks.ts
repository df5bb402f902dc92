/**
 * Checks on an incoming audit event that JSON schema cannot express: payload size
 * and depth, a plausible timestamp, consistent event_type, and the caller's
 * identity as the actor. Returns field errors keyed like the schema's (prefix
 * "[3]." inside a batch).
 */

import type { AuditEventInput } from '../../lib/audit/types.js';
import type { Identity } from '../auth/identity.js';

export const MAX_EVENT_DATA_BYTES = 256 * 1024;
export const MAX_EVENT_DATA_DEPTH = 10;
const MAX_FUTURE_MS = 60 * 60 * 1000;
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Whether `obj` nests objects/arrays deeper than `limit` (the object itself is depth
 * 1). Iterative, with an explicit stack, and it stops at the first level past the
 * limit: no input can overflow the call stack here.
 */
function nestsDeeperThan(obj: object, limit: number): boolean {
  const stack: [object, number][] = [[obj, 1]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [value, depth] = top;
    if (depth > limit) return true;
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

export function checkEvent(e: AuditEventInput, prefix: string, now = Date.now()): Record<string, string> {
  const errors: Record<string, string> = {};
  // Depth first: JSON.stringify recurses, and overflows the stack on deep enough input.
  if (nestsDeeperThan(e.event_data, MAX_EVENT_DATA_DEPTH)) {
    errors[`${prefix}event_data`] = `event_data nests deeper than ${MAX_EVENT_DATA_DEPTH} levels`;
  } else {
    const bytes = Buffer.byteLength(JSON.stringify(e.event_data));
    if (bytes > MAX_EVENT_DATA_BYTES) {
      errors[`${prefix}event_data`] =
        `event_data is ${bytes} bytes; at most ${MAX_EVENT_DATA_BYTES} are accepted`;
    }
  }
  const ts = Date.parse(e.event_timestamp);
  if (ts > now + MAX_FUTURE_MS) {
    errors[`${prefix}event_timestamp`] = 'event_timestamp is more than 60 minutes in the future';
  } else if (ts < now - MAX_AGE_MS) {
    errors[`${prefix}event_timestamp`] = 'event_timestamp is more than 7 days old';
  }
  const inner = e.event_data.event_type;
  if (inner !== undefined && inner !== e.event_type) {
    errors[`${prefix}event_data.event_type`] =
      `event_data.event_type "${String(inner)}" differs from event_type "${e.event_type}"`;
  }
  return errors;
}

/**
 * A person writes as themselves: their authenticated name replaces a claimed
 * actor_id, and a differing claim is kept in event_data.claimed_actor_id.
 * Services (kind 'service') report on behalf of the actors they name.
 */
export function attributeToCaller(e: AuditEventInput, who: Identity): AuditEventInput {
  if (who.kind !== 'user' || e.actor_id === who.name) return e;
  const event_data = e.actor_id != null ? { ...e.event_data, claimed_actor_id: e.actor_id } : e.event_data;
  return { ...e, actor_id: who.name, actor_type: e.actor_type ?? 'user', event_data };
}
