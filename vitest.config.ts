import { configDefaults, defineConfig } from 'vitest/config';

// The reliability suite (worker kills, outages, fuzzing) takes minutes; it runs only
// when named, as `npm run test:reliability` does (`vitest run test/reliability`).
const reliabilityNamed = process.argv.some((a) => a.includes('test/reliability'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: reliabilityNamed ? configDefaults.exclude : [...configDefaults.exclude, 'test/reliability/**'],
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
