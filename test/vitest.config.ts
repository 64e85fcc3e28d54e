import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'integration',
    include: ['integration/**/*.test.ts', 'interop/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites start gateways, Orthanc and browsers: one file at a time on 2 cores.
    fileParallelism: false,
  },
});
