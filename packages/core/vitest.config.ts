import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['tests/**/*.test.ts'],
    // Real servers and DuckDB: generous under a loaded CI machine; speed is measured by benchmarks.
    testTimeout: 30_000,
  },
});
