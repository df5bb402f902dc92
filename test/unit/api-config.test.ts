import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/config.js';

describe('API configuration', () => {
  it('with no tokens configured, the embedded default generates one admin token', () => {
    const cfg = loadConfig({});
    expect(cfg.generatedToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(cfg.tokens).toEqual([
      { token: cfg.generatedToken, name: 'local-admin', roles: ['admin'], kind: 'user' },
    ]);
  });

  it('with Kubernetes authentication on, no admin token is generated', () => {
    const cfg = loadConfig({ API_AUTH_KUBERNETES: 'true' });
    expect(cfg.generatedToken).toBeUndefined();
    expect(cfg.tokens).toEqual([]);
  });

  it('API_PORT: a port number, 0 for any free one, 8080 when unset; anything else is refused at start', () => {
    expect(loadConfig({}).port).toBe(8080);
    expect(loadConfig({ API_PORT: '9090' }).port).toBe(9090);
    expect(loadConfig({ API_PORT: '0' }).port).toBe(0);
    for (const bad of ['-1', '65536', 'http', '80.5'])
      expect(() => loadConfig({ API_PORT: bad }), bad).toThrow(/API_PORT must be a port number/);
  });

  it('AUDIT_GROUP_COMMIT_IN_FLIGHT: 2 batches in flight when unset, 0 turns group commit off; anything else is refused', () => {
    expect(loadConfig({}).groupCommitInFlight).toBe(2);
    expect(loadConfig({ AUDIT_GROUP_COMMIT_IN_FLIGHT: '0' }).groupCommitInFlight).toBe(0);
    expect(loadConfig({ AUDIT_GROUP_COMMIT_IN_FLIGHT: '8' }).groupCommitInFlight).toBe(8);
    for (const bad of ['-1', 'on', '2.5'])
      expect(() => loadConfig({ AUDIT_GROUP_COMMIT_IN_FLIGHT: bad }), bad).toThrow(
        /AUDIT_GROUP_COMMIT_IN_FLIGHT must be 0/,
      );
  });
});
