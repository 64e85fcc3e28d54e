import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'worklist',
    include: ['src/**/*.test.ts'],
  },
});
