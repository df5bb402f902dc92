/**
 * docker-compose.yml cannot run here (no container engine); its structure is
 * checked instead: the services, loopback-only ports, health checks, start
 * order on health, and the environment the worker and the API need.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_NAMES } from '../../lib/search-attributes.js';
import { REPO } from './manifests.js';

// biome-ignore lint/suspicious/noExplicitAny: a parsed compose file, checked field by field
const compose: Record<string, any> = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), {
  merge: true,
});
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Temporal, its Web UI, the worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'temporal', 'temporal-ui', 'worker']);
  });

  it('binds every published port to loopback', () => {
    for (const [name, s] of Object.entries<Record<string, string[]>>(services))
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('health-checks every service that has a health signal, and starts the processes on healthy dependencies', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api'])
      expect(services[name].healthcheck?.test, name).toBeTruthy();
    for (const name of ['worker', 'api']) {
      expect(services[name].depends_on, name).toEqual({
        postgres: { condition: 'service_healthy' },
        temporal: { condition: 'service_healthy' },
      });
    }
    expect(services['temporal-ui'].depends_on.temporal.condition).toBe('service_healthy');
  });

  it('registers every search attribute the workflow upserts', () => {
    const flags = (services.temporal.command as string[]).filter((a) => a.startsWith('--search-attribute='));
    const names = flags.map((f) => f.slice('--search-attribute='.length).split('=')[0]);
    expect(names.sort()).toEqual([...SEARCH_ATTRIBUTE_NAMES].sort());
  });

  it('builds the worker and the API from the Dockerfile, configured for the compose network and a mounted kubeconfig', () => {
    for (const name of ['worker', 'api']) {
      const s = services[name];
      expect(s.build, name).toBe('.');
      expect(s.command, name).toEqual([name]);
      expect(s.environment.DATABASE_URL, name).toMatch(/@postgres:5432\//);
      expect(s.environment.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      expect(s.environment.KUBECONFIG, name).toBe('/kube/config');
      const mount = s.volumes.find((v: { target: string }) => v.target === '/kube/config');
      expect(mount, name).toMatchObject({ type: 'bind', read_only: true });
      expect(s.read_only, name).toBe(true);
    }
    // Inside a container the API must listen beyond its own loopback.
    expect(services.api.environment.API_HOST).toBe('0.0.0.0');
  });
});
