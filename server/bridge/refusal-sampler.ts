/**
 * Refused webhooks (bad signatures, stale timestamps) come from whoever knows a webhook URL, so an
 * audit row for each would let an unauthenticated sender grow the database at will. They are still
 * counted in metrics one by one; the audit trail gets at most one row per integration per window,
 * carrying how many refusals it stands for (those held back in the window before included).
 */
export class RefusalSampler {
  private readonly windows = new Map<string, { startedAt: number; held: number }>();

  /**
   * @param windowMs length of a window, ms. @default 60000
   * @param now clock, ms since the epoch
   */
  constructor(private readonly windowMs = 60_000, private readonly now: () => number = Date.now) {}

  /** Called for each refusal of `key`: the number of refusals to audit now (≥ 1), or null to hold this one back. */
  take(key: string): number | null {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && t - w.startedAt < this.windowMs) {
      w.held++;
      return null;
    }
    this.windows.set(key, { startedAt: t, held: 0 });
    return 1 + (w?.held ?? 0);
  }
}
