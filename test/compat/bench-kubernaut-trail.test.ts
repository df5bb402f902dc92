/**
 * The bodies `npm run bench -- --against` sends are AuditEventRequests by Kubernaut's
 * own contract, so its Data Storage (which validates every request against its
 * OpenAPI) stores them instead of answering 400 — and the bench's own trail would not
 * be, which is why the variant exists.
 */
import { describe, expect, it } from 'vitest';
import { kubernautTrail } from '../../bench/kubernaut-trail.js';
import { seedOf } from '../../bench/stats.js';
import { remediationTrail } from '../../bench/trail.js';
import { loadContract } from './kubernaut-openapi.js';

describe("the bench's Kubernaut-valid trail", () => {
  const validate = loadContract().validator('AuditEventRequest');
  const errorsOf = (events: object[]) =>
    events.flatMap((e) =>
      validate(e)
        ? []
        : [
            `${(e as { event_type: string }).event_type}: ${validate
              .errors!.filter((x) => x.keyword !== 'if')
              .map((x) => `${x.instancePath} ${x.message}`)
              .join('; ')}`,
          ],
    );
  const t0 = Date.now() - 3_600_000;
  const ids = Array.from({ length: 50 }, (_, n) => `bench-compat-${n}`);

  it('every event of 50 trails validates against AuditEventRequest', () => {
    const events = ids.flatMap((id) => kubernautTrail(id, seedOf(id), t0));
    expect(events).toHaveLength(500);
    expect(errorsOf(events)).toEqual([]);
    expect(events.some((e) => 'event_id' in e)).toBe(false);
  });

  it('the plain bench trail is not (Kubernaut would refuse it): the check is real', () => {
    const events = remediationTrail(ids[0]!, seedOf(ids[0]!), t0);
    expect(errorsOf(events).length).toBeGreaterThan(0);
  });

  it('the variant keeps every event and field of the trail it derives from', () => {
    const plain = remediationTrail(ids[1]!, seedOf(ids[1]!), t0);
    const variant = kubernautTrail(ids[1]!, seedOf(ids[1]!), t0);
    expect(variant.map((e) => e.event_type)).toEqual(plain.map((e) => e.event_type));
    variant.forEach((e, i) => {
      for (const key of Object.keys(plain[i]!.event_data)) expect(e.event_data).toHaveProperty(key);
    });
  });
});
