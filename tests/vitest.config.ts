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
        // The browser files keep a fresh process each: 35 files, where the shared cache saves
        // little, and their page walks ran slower in a long-lived worker (quality-views 70 s
        // isolated, 94-111 s shared) and twice went past a wait.
        test: { name: 'browser', include: BROWSER, isolate: true },
      },
    ],
  },
});
