import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['tests/**/*.test.ts', 'server/**/*.test.ts', 'schema/**/*.test.ts', 'client/**/*.test.ts', 'adapters/**/*.test.ts'],
    pool: 'forks',
    // Test files share their worker's module cache: a fresh module graph per file (the server, Yjs,
    // the adapters' SDKs) cost about 2.4 s of imports per file, 666 s of a CI run's worker time.
    // Files start their own servers, databases and browsers and end them in their teardowns
    // (tests/helpers/teardown.ts, run per file by tests/setup/file-teardown.ts).
    isolate: false,
    // Two cores in CI: integration files start real servers and child processes.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    setupFiles: ['tests/setup/fast-check-seed.ts', 'tests/setup/file-teardown.ts'],
  },
});
