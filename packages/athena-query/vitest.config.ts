import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'athena-query',
    include: ['tests/**/*.test.ts'],
  },
});
