import { describe, expect, it } from 'vitest';
import { AdapterError, type Adapter, type PullPage } from '../../adapters/core/index.ts';
import { Puller, type PullTarget } from '../../server/bridge/puller.ts';

// A read answered 429 pauses the key's pulls (server/bridge/puller.ts); the story is in
// tests/calendar/calendar-systems.test.ts ("rate limits on reads").

/** A target whose system answers the first read with 429 (Retry-After `retryAfterMs`), holding it until `answer` is called. */
function target(retryAfterMs: number) {
  const reads: { full: boolean }[] = [];
  let answer!: () => void;
  const first = new Promise<void>((resolve) => { answer = resolve; });
  const adapter = {
    capabilities: ['pull'],
    async pull(req: { full: boolean }): Promise<PullPage> {
      reads.push({ full: req.full });
      if (reads.length === 1) {
        await first;
        throw new AdapterError('rate_limited', 'rate limit (429)', { status: 429, retryAfterMs });
      }
      return { changes: [], cursor: 'c', more: false };
    },
  } as unknown as Adapter;
  const t: PullTarget = {
    key: 'conn-1', system: 'google-calendar', adapter, cursor: async () => 'c', audit: () => undefined, linksFor: async () => [],
    store: async () => [], failed: async () => undefined,
  };
  return { t, reads, answer: () => answer() };
}

describe('Puller: a 429 to a read', () => {
  it('refuses pulls asked for within Retry-After, a queued one included, and hands the schedule one pull, full if one asked was full', async () => {
    let now = 1_000_000;
    const puller = new Puller({ now: () => now });
    const { t, reads, answer } = target(5000);
    const running = puller.pull(t, false);
    // Asked while the read is under way: queued behind it.
    const queued = puller.pull(t, false);
    answer();
    await expect(running).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(queued).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(puller.pull(t, true)).rejects.toThrow(/asked not to be read again before .*; the pull follows then/);
    expect(reads).toEqual([{ full: false }]);
    expect(puller.pausedUntilOf('conn-1')).toBe(1_005_000);
    expect(puller.takeWanted('conn-1')).toBeUndefined(); // not before the time
    now += 5000;
    expect(puller.pausedUntilOf('conn-1')).toBe(0);
    expect(puller.takeWanted('conn-1')).toEqual({ full: true, reason: 'requested' });
    expect(puller.takeWanted('conn-1')).toBeUndefined();
    await puller.pull(t, true);
    expect(reads).toEqual([{ full: false }, { full: true }]);
  });

  it('remembers whether only the schedule asked during the pause, so the pull that follows waits for a turn as it would have', async () => {
    let now = 2_000_000;
    const puller = new Puller({ now: () => now, scheduledConcurrency: 1 });
    const { t } = target(0);
    await puller.pause('conn-1', 3000);
    await expect(puller.pull(t, false, 'scheduled')).rejects.toMatchObject({ code: 'rate_limited' });
    now += 3000;
    expect(puller.takeWanted('conn-1')).toEqual({ full: false, reason: 'scheduled' });
    // A person's (or a webhook's) ask during the pause makes the one that follows a requested pull.
    await puller.pause('conn-1', 3000);
    await expect(puller.pull(t, false, 'scheduled')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(puller.pull(t, false, 'requested')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(puller.pull(t, false, 'scheduled')).rejects.toMatchObject({ code: 'rate_limited' });
    now += 3000;
    expect(puller.takeWanted('conn-1')).toEqual({ full: false, reason: 'requested' });
  });

  it('waits at least a second and at most an hour, whatever the system asks', () => {
    const puller = new Puller({ now: () => 0 });
    void puller.pause('a', 0);
    void puller.pause('b', 10 * 86_400_000);
    void puller.pause('c', undefined);
    expect(['a', 'b', 'c'].map((k) => puller.pausedUntilOf(k))).toEqual([1000, 3_600_000, 1000]);
  });
});
