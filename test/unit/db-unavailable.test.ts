/**
 * Which PostgreSQL errors mean "cannot be reached now" (the API answers 503, retry)
 * rather than a refusal of the statement (4xx or 500): lib/db.ts isDatabaseUnavailable.
 * test/runbooks/audit-store.test.ts sees the 503 end to end.
 */
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../lib/db.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('network errors, connection exceptions, shutdowns and pg connection loss are unavailability', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      '08006',
      '08001',
      '57P01',
      '57P03',
      '53300',
    ])
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('statement errors and anything else are not', () => {
    for (const code of ['22P02', '23505', '42P01', '40001', 'ERR_X'])
      expect(isDatabaseUnavailable(withCode(code)), code).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNRESET')).toBe(false);
  });
});
