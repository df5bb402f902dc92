import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `npm test` needs only what README's prerequisites list (Node, npm, Go). Suites that
 * need something more run only when named, each through its own script:
 *   reliability  minutes of worker kills, outages and fuzzing  (npm run test:reliability)
 *   ui           Chromium, for the Temporal Web UI check        (npm run test:ui)
 *   image        hadolint, for the Dockerfile                   (npm run test:image)
 *   compat       Kubernaut's published contracts                (npm run test:compat)
 *   chaos        minutes of randomized schedules (invariants)   (npm run test:chaos)
 *   tracing      Jaeger, built once from Go (minutes, cold)     (npm run test:tracing)
 * Each fails with a one-line instruction when its tool or data is missing.
 */
const OPTIONAL_SUITES = [
  'test/reliability',
  'test/ui',
  'test/image',
  'test/compat',
  'test/chaos',
  'test/tracing',
];
const named = OPTIONAL_SUITES.filter((suite) => process.argv.some((a) => a.includes(suite)));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...OPTIONAL_SUITES.filter((s) => !named.includes(s)).map((s) => `${s}/**`),
    ],
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
