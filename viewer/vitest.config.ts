import { defineProject } from 'vitest/config';
import { WORKLIST_ALIAS } from './vite.config';

// Unit tests of the viewer's pure modules (no browser): run with `pnpm --filter @hoichan/viewer test`,
// or from the root once 'viewer' is listed in vitest.config.ts projects. Browser tests: test/e2e/viewer.test.ts.
export default defineProject({
  resolve: { alias: [WORKLIST_ALIAS] },
  test: {
    name: 'viewer',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
