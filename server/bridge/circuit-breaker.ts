import type { BreakerState } from './integration-store.ts';

export interface BreakerSnapshot {
  state: BreakerState;
  until: number | null;
  consecutiveFailures: number;
}

/**
 * A per-integration circuit breaker. After `threshold` consecutive failures the breaker opens and
 * pushes to that system wait for `cooldownMs` (doubling on every failed probe, up to
 * `maxCooldownMs`); then one probe is let through (half-open): success closes it.
 */
export class CircuitBreaker {
  constructor(
    private snapshot: BreakerSnapshot,
    private readonly options: { threshold: number; cooldownMs: number; maxCooldownMs: number },
    private readonly onChange: (s: BreakerSnapshot) => void,
  ) {}

  get state(): BreakerSnapshot {
    return this.snapshot;
  }

  /** May a push go out now? Moves an open breaker whose cooldown has passed to half-open. */
  allow(now: number): { ok: true } | { ok: false; retryAt: number } {
    const s = this.snapshot;
    if (s.state === 'closed') return { ok: true };
    if (s.state === 'open') {
      if (s.until !== null && now < s.until) return { ok: false, retryAt: s.until };
      this.set({ ...s, state: 'half_open' });
      return { ok: true };
    }
    return { ok: true };
  }

  success(): void {
    if (this.snapshot.state !== 'closed' || this.snapshot.consecutiveFailures !== 0) this.set({ state: 'closed', until: null, consecutiveFailures: 0 });
  }

  failure(now: number): void {
    const failures = this.snapshot.consecutiveFailures + 1;
    if (this.snapshot.state === 'half_open' || failures >= this.options.threshold) {
      const opens = Math.max(0, failures - this.options.threshold);
      const cooldown = Math.min(this.options.maxCooldownMs, this.options.cooldownMs * 2 ** opens);
      this.set({ state: 'open', until: now + cooldown, consecutiveFailures: failures });
    } else this.set({ ...this.snapshot, consecutiveFailures: failures });
  }

  private set(s: BreakerSnapshot): void {
    this.snapshot = s;
    this.onChange(s);
  }
}
