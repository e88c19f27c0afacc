import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../adapters/core/index.ts';
import { Puller, type PullTarget } from '../../server/bridge/puller.ts';

/** A target whose adapter's list request stays open until `answer` is called (a slow external system). */
function target(key: string, log: string[]) {
  const open: (() => void)[] = [];
  const adapter = {
    system: 'fake', category: 'calendar_system', capabilities: ['pull'], fields: {},
    testConnection: async () => undefined,
    pull: () => { log.push(`read ${key}`); return new Promise((resolve) => open.push(() => resolve({ changes: [], cursor: 'c', more: false }))); },
  } as unknown as Adapter;
  const t: PullTarget = { key, system: 'fake', adapter, cursor: async () => null, audit: () => undefined, linksFor: async () => [], store: async () => [1], failed: async () => undefined };
  return { t, answer: () => open.splice(0).forEach((f) => f()) };
}

const until = async (check: () => boolean) => { for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5)); };

describe('Puller priorities', () => {
  it('runs at most `scheduledConcurrency` scheduled pulls; a requested pull neither waits nor queues behind a waiting scheduled one', async () => {
    const log: string[] = [];
    const puller = new Puller({ now: Date.now, scheduledConcurrency: 1 });
    const a = target('a', log);
    const b = target('b', log);
    const runA = puller.pull(a.t, false, 'scheduled');
    const runB = puller.pull(b.t, false, 'scheduled');
    await until(() => log.length >= 1);
    expect(log).toEqual(['read a']);
    // A webhook for b: b's waiting scheduled pull starts now, outside the limit, and serves both.
    const requested = puller.pull(b.t, false, 'requested');
    await until(() => log.length >= 2);
    expect(log).toEqual(['read a', 'read b']);
    b.answer();
    expect(await requested).toEqual([1]);
    expect(await runB).toEqual([1]);
    // A scheduled pull of a key already running is served by that pull, not queued behind it.
    const again = puller.pull(a.t, false, 'scheduled');
    a.answer();
    expect(await runA).toEqual([1]);
    expect(await again).toEqual([1]);
    expect(log).toEqual(['read a', 'read b']);
  });
});
