import { onTestFinished, TestRunner } from 'vitest';

/**
 * Teardowns registered outside a test (in a `beforeAll`, or at a file's top level): run after the
 * file's tests, newest first, by the `afterAll` that tests/setup/file-teardown.ts registers for every
 * test file. (A hook registered from inside a `beforeAll` would be ignored; and with `isolate: false`
 * this module loads once per worker, not once per file, so it cannot register that hook itself.)
 */
const afterFile: Array<() => unknown> = [];

/**
 * Runs the teardowns registered for the file that is ending (tests/setup/file-teardown.ts), every
 * one of them even when some throw (a worker outlives the file: none may be left for the next one),
 * then throws the first error.
 */
export async function runFileTeardowns(): Promise<void> {
  const errors: unknown[] = [];
  while (afterFile.length > 0) {
    try {
      await afterFile.pop()!();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} file teardowns failed`);
}

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
