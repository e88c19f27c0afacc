import { afterAll, onTestFinished } from 'vitest';

/** Registers `fn` to run after the current test, or after the file when called outside a test. */
export function registerTeardown(fn: () => unknown): void {
  try {
    onTestFinished(async () => { await fn(); });
  } catch {
    afterAll(async () => { await fn(); });
  }
}
