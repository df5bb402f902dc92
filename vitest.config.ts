import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real stack per run (PostgreSQL, Temporal dev server, kube-apiserver).
    globalSetup: ['test/harness/global-setup.ts'],
    // Temporal's worker and native modules want real processes, not threads.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});
