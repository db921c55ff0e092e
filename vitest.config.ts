import { defineConfig } from 'vitest/config';

// Two projects: `npm run test:unit` / `npm run test:integration` run one each,
// `vitest run` runs both. Integration tests talk to real servers started by
// scripts/ceph-up.sh and scripts/redis-up.sh (see test/helpers/s3-env.ts).
export default defineConfig({
  test: {
    reporters: ['default'],
    // The AWS SDK warns once per process on Node < 22 (a support notice, not an error).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
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
