import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'firehose-transform',
    include: ['tests/**/*.test.ts'],
  },
});
