import { afterAll, onTestFinished, TestRunner } from 'vitest';

/**
 * Teardowns registered outside a test (in a `beforeAll`, or at a file's top level): run after the
 * file's tests, newest first. A hook registered from inside a `beforeAll` would be ignored, so one
 * `afterAll` is registered when this module loads (files are isolated: once per test file).
 */
const afterFile: Array<() => unknown> = [];
afterAll(async () => {
  while (afterFile.length > 0) await afterFile.pop()!();
});

/**
 * Registers `fn` to run after the current test, or after the file when called outside a test or in
 * a concurrent test. The global `onTestFinished` cannot tell concurrent tests apart (it attaches to
 * whichever test vitest last made current), so a concurrent test's teardown could run when another
 * test ends, ending what this one still uses: those wait for the file's end instead.
 */
export function registerTeardown(fn: () => unknown): void {
  if (TestRunner.getCurrentTest()?.concurrent) {
    afterFile.push(fn);
    return;
  }
  try {
    onTestFinished(async () => { await fn(); });
  } catch {
    afterFile.push(fn);
  }
}
