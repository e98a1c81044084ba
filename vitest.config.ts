import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Lab tests own network namespaces and daemons: one file at a time keeps them from racing.
    fileParallelism: false,
  },
});
