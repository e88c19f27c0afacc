import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['tests/**/*.test.ts', 'server/**/*.test.ts', 'schema/**/*.test.ts', 'client/**/*.test.ts', 'adapters/**/*.test.ts'],
    pool: 'forks',
    // Two cores in CI: integration files start real servers and child processes.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    setupFiles: ['tests/setup/fast-check-seed.ts'],
  },
});
