import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../adapters/core/index.ts';
import type { LiveConnection } from '../../server/bridge/connection-runtime.ts';
import { PullSchedule } from '../../server/bridge/pull-schedule.ts';

const pullable = { system: 'fake', capabilities: ['pull'], pull: async () => ({ changes: [], cursor: null, more: false }) } as unknown as Adapter;

function live(id: string, status = 'active', adapter = pullable): LiveConnection {
  return { connection: { id, status }, adapter, routes: true } as unknown as LiveConnection;
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
};

/** A schedule over `connections`, all due (pulled long ago), recording when each pull started. */
function scheduleOver(connections: Map<string, LiveConnection>, intervalMs = 1000) {
  const started: { id: string; at: number }[] = [];
  const pending = new Set<string>();
  const schedule = new PullSchedule({
    connections: () => connections.values(), connection: (id) => connections.get(id), now: Date.now, intervalMs,
    lastPulledAt: () => 1, pending: (id) => pending.has(id),
    pull: (l) => { pending.add(l.connection.id); started.push({ id: l.connection.id, at: performance.now() }); },
  });
  return { schedule, started, pending };
}

describe('PullSchedule (background pulls, issue 12 item 7)', () => {
  it('starts the connections that came due spaced over the next tick, not in one burst', async () => {
    const connections = new Map(Array.from({ length: 60 }, (_, i) => [`c${i}`, live(`c${i}`)] as const));
    const { schedule, started } = scheduleOver(connections);
    expect(schedule.tickMs).toBe(250);
    const t0 = performance.now();
    schedule.tick();
    // One starts at once; the rest follow, about 250 / 60 ≈ 4 ms apart.
    expect(started).toHaveLength(1);
    expect(schedule.waiting).toBe(59);
    await until(() => started.length === 60);
    schedule.stop();
    expect(new Set(started.map((s) => s.id)).size).toBe(60);
    const span = started.at(-1)!.at - t0;
    expect(span).toBeGreaterThan(150);
    // No 20 ms window holds more than a quarter of them (a burst would hold all 60).
    const most = Math.max(...started.map((s) => started.filter((o) => o.at >= s.at && o.at < s.at + 20).length));
    expect(most).toBeLessThan(15);
  });

  it('queues a due connection once across ticks, and skips one removed, pulled meanwhile or needing attention', async () => {
    const connections = new Map(['a', 'b', 'c', 'd'].map((id) => [id, live(id)] as const));
    connections.set('x', live('x', 'needs_attention'));
    connections.set('y', live('y', 'active', { system: 'push-only', capabilities: ['push'] } as unknown as Adapter));
    const { schedule, started, pending } = scheduleOver(connections);
    schedule.tick();
    schedule.tick();
    expect(started.map((s) => s.id)).toEqual(['a']);
    expect(schedule.waiting).toBe(3);
    connections.delete('b');
    pending.add('c');
    await until(() => schedule.waiting === 0);
    schedule.stop();
    expect(started.map((s) => s.id)).toEqual(['a', 'd']);
  });

  it('gives a connection never pulled since start-up a fixed point in the first interval', () => {
    const connections = new Map([['fresh', live('fresh')]]);
    const started: string[] = [];
    let now = 1_000_000;
    const schedule = new PullSchedule({
      connections: () => connections.values(), connection: (id) => connections.get(id), now: () => now, intervalMs: 60_000,
      lastPulledAt: () => 0, pending: () => false, pull: (l) => { started.push(l.connection.id); },
    });
    schedule.start(now);
    schedule.stop();
    let firstDue = -1;
    for (let t = 0; t <= 60_000 && firstDue < 0; t += 250) {
      now = 1_000_000 + t;
      schedule.tick();
      if (started.length > 0) firstDue = t;
    }
    expect(firstDue).toBeGreaterThanOrEqual(0);
    expect(firstDue).toBeLessThanOrEqual(60_000);
    expect(started).toEqual(['fresh']);
  });
});
