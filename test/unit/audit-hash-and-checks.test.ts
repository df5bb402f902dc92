import { describe, expect, it } from 'vitest';
import { parseTokenSpec } from '../../api/auth/static-tokens.js';
import { checkEvent } from '../../api/routes/audit-event-checks.js';
import { parseTimeBound } from '../../api/routes/audit-read.js';
import { canonicalCore, eventHash, GENESIS_HASH } from '../../lib/audit/hash.js';
import { decodeCursor, encodeCursor } from '../../lib/audit/query.js';
import { toRow } from '../../lib/audit/rows.js';
import type { AuditEventInput } from '../../lib/audit/types.js';

const event = (over: Partial<AuditEventInput> = {}): AuditEventInput => ({
  event_id: '6f1c1f9e-59a4-4f0b-8d3e-1f2a3b4c5d6e',
  version: '1.0',
  event_type: 'gateway.signal.received',
  event_timestamp: new Date().toISOString(),
  event_category: 'gateway',
  event_action: 'received',
  event_outcome: 'success',
  correlation_id: 'rr-1',
  event_data: { b: 1, a: { y: 2, x: [1, { k: 'v' }] } },
  ...over,
});

describe('audit hash', () => {
  it('does not depend on the key order of event_data', () => {
    const at = '2025-01-02T03:04:05.000Z';
    const a = { ...toRow(event({ event_timestamp: at })), chain_position: 1 };
    const b = {
      ...toRow(event({ event_timestamp: at, event_data: { a: { x: [1, { k: 'v' }], y: 2 }, b: 1 } })),
      chain_position: 1,
    };
    expect(canonicalCore(a)).toBe(canonicalCore(b));
  });

  it('changes with any core field, the chain position or the previous hash', () => {
    const row = { ...toRow(event()), chain_position: 1 };
    const h = eventHash(GENESIS_HASH, row, 'sha256');
    expect(eventHash(GENESIS_HASH, { ...row, event_outcome: 'failure' }, 'sha256')).not.toBe(h);
    expect(eventHash(GENESIS_HASH, { ...row, chain_position: 2 }, 'sha256')).not.toBe(h);
    expect(eventHash('f'.repeat(64), row, 'sha256')).not.toBe(h);
    expect(eventHash(GENESIS_HASH, row, 'hmac-sha256', 'k')).not.toBe(h);
  });

  it('normalises timestamps to UTC milliseconds and derives the UTC event_date', () => {
    const row = toRow(event({ event_timestamp: '2025-06-30T23:30:00.123456-02:00' }));
    expect(row.event_timestamp).toBe('2025-07-01T01:30:00.123Z');
    expect(row.event_date).toBe('2025-07-01');
  });
});

describe('audit event checks', () => {
  it('accepts a well-formed recent event', () => {
    expect(checkEvent(event(), '')).toEqual({});
  });

  it('accepts event_data exactly 10 levels deep and refuses 11', () => {
    const nest = (n: number): Record<string, unknown> => (n === 1 ? {} : { c: nest(n - 1) });
    expect(checkEvent(event({ event_data: nest(10) }), '')).toEqual({});
    expect(Object.keys(checkEvent(event({ event_data: nest(11) }), '[2].'))).toEqual(['[2].event_data']);
  });

  it('refuses event_data 100,000 levels deep as too deep, without overflowing the stack', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { c: deep };
    expect(checkEvent(event({ event_data: deep }), '')).toEqual({
      event_data: 'event_data nests deeper than 10 levels',
    });
  });
});

describe('query parameters', () => {
  it('reads relative and absolute time bounds', () => {
    const now = Date.parse('2025-01-10T00:00:00Z');
    expect(parseTimeBound('24h', 'since', now)?.toISOString()).toBe('2025-01-09T00:00:00.000Z');
    expect(parseTimeBound('7d', 'since', now)?.toISOString()).toBe('2025-01-03T00:00:00.000Z');
    expect(parseTimeBound('2025-01-02T03:04:05+01:00', 'since')?.toISOString()).toBe(
      '2025-01-02T02:04:05.000Z',
    );
    expect(() => parseTimeBound('2025-01-02', 'since')).toThrow(/RFC 3339/);
  });

  it('round-trips a cursor and refuses a forged one', () => {
    const c = { t: '2025-01-02 03:04:05.123+00', id: '6f1c1f9e-59a4-4f0b-8d3e-1f2a3b4c5d6e' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor(encodeCursor({ t: 'x', id: "'; DROP TABLE" }))).toThrow(/cursor/);
  });
});

describe('API_TOKENS', () => {
  it('parses tokens with names, roles and kind', () => {
    expect(parseTokenSpec('abc:alice:reader,writer;def:svc:writer:service')).toEqual([
      { token: 'abc', name: 'alice', roles: ['reader', 'writer'], kind: 'user' },
      { token: 'def', name: 'svc', roles: ['writer'], kind: 'service' },
    ]);
  });

  it('takes groups after the kind (what an approval ladder matches, I10)', () => {
    expect(parseTokenSpec('abc:carol:approver:user:sre,oncall')).toEqual([
      { token: 'abc', name: 'carol', roles: ['approver'], kind: 'user', groups: ['sre', 'oncall'] },
    ]);
  });

  it('refuses an unknown role', () => {
    expect(() => parseTokenSpec('abc:alice:superuser')).toThrow(/unknown role/);
  });
});
