import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 's3-parquet',
    include: ['tests/**/*.test.ts'],
  },
});
