/**
 * The longest `Retry-After` honoured (ms): a system, or a webhook subscriber whose URL a user set,
 * asking for days (or a date in 2099) must not stop a connection's pushes for that long.
 */
export const RETRY_AFTER_MAX_MS = 3_600_000;

/**
 * When to try again: the configured schedule (capped at its last step), with equal jitter so that
 * many failing rows do not retry in lockstep, and never before a `Retry-After` the system asked for
 * (up to RETRY_AFTER_MAX_MS).
 */
export interface RetryPolicy {
  maxAttempts: number;
  /** Delay before retry number `attempt` (1 = first retry), in ms. */
  delay(attempt: number, retryAfterMs?: number): number;
}

export function createRetryPolicy(scheduleMs: number[], maxAttempts: number, random: () => number = Math.random): RetryPolicy {
  if (scheduleMs.length === 0 || scheduleMs.some((d) => !(d >= 0))) throw new RangeError('the retry schedule needs at least one non-negative delay');
  return {
    maxAttempts,
    delay(attempt, retryAfterMs) {
      const base = scheduleMs[Math.min(attempt, scheduleMs.length) - 1] ?? scheduleMs[0]!;
      const jittered = base / 2 + random() * (base / 2);
      return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, RETRY_AFTER_MAX_MS)));
    },
  };
}

export function parseSchedule(value: string): number[] {
  const steps = value.split(',').map((s) => Number(s.trim()));
  if (steps.length === 0 || steps.some((n) => !Number.isFinite(n) || n < 0)) throw new RangeError(`invalid retry schedule ${JSON.stringify(value)}`);
  return steps;
}
