import { defineConfig } from 'vitest/config';

const ALL = ['tests/**/*.test.ts', 'server/**/*.test.ts', 'schema/**/*.test.ts', 'client/**/*.test.ts', 'adapters/**/*.test.ts'];
const BROWSER = ['tests/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    pool: 'forks',
    // Two cores in CI: integration files start real servers and child processes.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    setupFiles: ['tests/setup/fast-check-seed.ts', 'tests/setup/file-teardown.ts'],
    projects: [
      {
        extends: true,
        // Test files share their worker's module cache: a fresh module graph per file (the server,
        // Yjs, the adapters' SDKs) cost about 2.4 s of imports per file, 666 s of a CI run's worker
        // time. Files start their own servers, databases and browsers and end them in their
        // teardowns (tests/helpers/teardown.ts, run per file by tests/setup/file-teardown.ts).
        test: { name: 'node', include: ALL, exclude: BROWSER, isolate: false },
      },
      {
        extends: true,
        // The browser files share their worker's module cache too: 49 files, 498 s of wall time on
        // 2 cores against 588 s with a fresh process each (imports 20 s against 216 s). Some page
        // walks run slower in the long-lived worker (quality-views 74 s against 59 s), so each
        // story gets 2 minutes, as the many-tab ones already had: a wait inside it (waitFor, a
        // locator) still fails first, with what it waited for.
        test: { name: 'browser', include: BROWSER, isolate: false, testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
