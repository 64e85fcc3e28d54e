import { defineConfig } from 'vitest/config';

// One run over every package; browser and interop suites live in test/. Files run one at a time per
// project pool thread: the machine has 2 cores and several suites start servers.
export default defineConfig({
  test: {
    projects: ['gateway', 'anonymizer', 'worklist', 'viewer', 'test'],
    fileParallelism: true,
    maxWorkers: 2,
  },
});
