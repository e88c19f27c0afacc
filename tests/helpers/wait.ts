/** The longest pause between two polls of `waitFor`, ms. */
const MAX_INTERVAL_MS = 200;

/**
 * Polls `check` until it returns a truthy value (returned) or `timeoutMs` passes (throws with `what`).
 * The pause starts at `intervalMs` and grows by half after each miss, up to MAX_INTERVAL_MS (or
 * `intervalMs` when that is larger): a quick condition is still seen within milliseconds, and a
 * check that calls the HTTP API stays far under the server's per-token rate limit (1,200 a minute)
 * however long it waits, instead of being refused with 429 for the rest of the wait.
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  const cap = Math.max(intervalMs, MAX_INTERVAL_MS);
  let pause = intervalMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(cap, pause * 1.5);
  }
}
