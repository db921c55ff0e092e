import { defineConfig } from 'vitest/config';

// Two projects: `npm run test:unit` / `npm run test:integration` run one each,
// `vitest run` runs both. Integration tests talk to real servers started by
// scripts/ceph-up.sh and scripts/redis-up.sh (see test/helpers/s3-env.ts).
export default defineConfig({
  test: {
    // The artifacts reporter keeps the tests' console output for scripts/secrets-scan.mjs.
    reporters: ['default', './test/helpers/artifacts-reporter.ts'],
    // One folder per run for everything a test leaves behind (test/helpers/artifacts.ts),
    // which `npm test` scans for secrets after the run.
    globalSetup: ['./test/helpers/artifacts-setup.ts'],
    // The AWS SDK warns once per process on Node < 22 (a support notice, not an error).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
          // A hang guard, not a speed check: property tests with hundreds of runs take seconds
          // on a 2-core machine that is also running the integration servers.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
          // One file at a time: the servers share a 2-core machine with the tests.
          fileParallelism: false,
        },
      },
    ],
  },
});
