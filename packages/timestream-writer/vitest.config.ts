import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'timestream-writer',
    include: ['tests/**/*.test.ts'],
  },
});
