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
});
