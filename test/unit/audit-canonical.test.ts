// The writer's faster forms of the canonical core and the log leaf must give the exact
// bytes of their definitions, or every chain and log written before stops verifying.
import fc from 'fast-check';
import { stringify } from 'safe-stable-stringify';
import { describe, expect, it } from 'vitest';
import { type AuditRow, CORE_FIELDS, canonicalCore } from '../../lib/audit/hash.js';
import { leafHashOf, logEntryOf } from '../../lib/audit/log-entry.js';
import { leafHash } from '../../lib/audit/merkle.js';

/** The definition: the object of the core fields (absent as null), stringified with sorted keys. */
function definition(row: AuditRow): string {
  const core: Record<string, unknown> = {};
  for (const f of CORE_FIELDS) core[f] = row[f] ?? null;
  core.chain_position = Number(row.chain_position);
  return stringify(core) as string;
}

// Any text, lone surrogates and control characters included.
const text = fc.string({ unit: 'binary', maxLength: 40 });
const optText = fc.option(text, { nil: null });
const row: fc.Arbitrary<AuditRow> = fc.record({
  event_id: fc.uuid(),
  event_date: fc.constant('2026-11-30'),
  version: text,
  event_timestamp: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  event_type: text,
  event_category: text,
  event_action: text,
  event_outcome: fc.constantFrom('success', 'failure', 'pending'),
  actor_type: optText,
  actor_id: optText,
  actor_ip: optText,
  resource_type: optText,
  resource_id: optText,
  correlation_id: text,
  parent_event_id: fc.option(fc.uuid(), { nil: null }),
  parent_event_date: fc.option(fc.constant('2026-11-29'), { nil: null }),
  namespace: optText,
  cluster_id: optText,
  event_data: fc.dictionary(text, fc.jsonValue({ maxDepth: 4 })),
  severity: optText,
  duration_ms: fc.option(fc.integer(), { nil: null }),
  error_code: optText,
  error_message: optText,
  retention_days: fc.integer({ min: 1, max: 100_000 }),
  is_sensitive: fc.boolean(),
  chain_position: fc.integer({ min: 1, max: 2 ** 40 }),
});

describe('canonical bytes of an audit event', () => {
  it('canonicalCore is the stringify of the core object, for any row', () => {
    fc.assert(
      fc.property(row, (r) => {
        expect(canonicalCore(r)).toBe(definition(r));
      }),
      { numRuns: 2000 },
    );
  });

  it('canonicalCore treats absent optionals as null and a chain position given as text as a number', () => {
    fc.assert(
      fc.property(row, (r) => {
        const sparse = {
          ...r,
          actor_ip: undefined,
          chain_position: String(r.chain_position),
        } as unknown as AuditRow;
        expect(canonicalCore(sparse)).toBe(definition(sparse));
        expect(canonicalCore(sparse)).toBe(canonicalCore({ ...r, actor_ip: null }));
      }),
      { numRuns: 200 },
    );
  });

  it('leafHashOf hashes the same bytes as leafHash of the log entry', () => {
    fc.assert(
      fc.property(row, text, text, fc.constantFrom('sha256', 'hmac-sha256'), (r, h, p, alg) => {
        const core = canonicalCore(r);
        expect(leafHashOf(core, h, p, alg).equals(leafHash(logEntryOf(core, h, p, alg)))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
