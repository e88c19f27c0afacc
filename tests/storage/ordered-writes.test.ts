import pino from 'pino';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyedQueue } from '../../server/keyed-queue.ts';
import { OrderedWrites } from '../../server/storage/ordered-writes.ts';
import { assertProperty } from '../helpers/property.ts';

/** A logger that keeps what it was told (pino writing to an in-memory stream). */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } });
  return { logger, lines };
}

describe('OrderedWrites', () => {
  it('stores the last value asked for per key, whatever order the writes would finish in on their own (fast-check)', async () => {
    await assertProperty(fc.asyncProperty(
      fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), delayMs: fc.nat(5) }), { minLength: 1, maxLength: 25 }),
      async (asks) => {
        const { logger } = recordingLogger();
        const writes = new OrderedWrites(logger, 'a test value');
        const stored = new Map<string, number>();
        const running = new Set<string>();
        let overlapped = false;
        asks.forEach(({ key, delayMs }, i) => writes.run(key, async () => {
          if (running.has(key)) overlapped = true;
          running.add(key);
          await new Promise((r) => setTimeout(r, delayMs));
          stored.set(key, i);
          running.delete(key);
        }));
        await writes.settled();
        const last = new Map(asks.map(({ key }, i) => [key, i]));
        expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(last));
        expect(overlapped).toBe(false);
      },
    ), { numRuns: 40 });
  });

  it('starts a write at once when none waits for its key, so a synchronous store is written before run returns', () => {
    const writes = new OrderedWrites(recordingLogger().logger, 'a test value');
    let written = false;
    writes.run('k', async () => { written = true; });
    expect(written).toBe(true);
  });

  it('logs a failed write, thrown or rejected, and still runs the ones after it', async () => {
    const { logger, lines } = recordingLogger();
    const writes = new OrderedWrites(logger, 'a test value');
    const done: string[] = [];
    writes.run('k', () => { throw new Error('thrown at once'); });
    writes.run('k', async () => { throw new Error('rejected later'); });
    writes.run('k', async () => { done.push('third'); });
    await writes.settled();
    expect(done).toEqual(['third']);
    expect(lines.map((l) => [l.msg, (l.err as { message: string }).message, l.key])).toEqual([
      ['could not store a test value', 'thrown at once', 'k'],
      ['could not store a test value', 'rejected later', 'k'],
    ]);
  });

  it('settled waits for writes asked for while it waits', async () => {
    const writes = new OrderedWrites(recordingLogger().logger, 'a test value');
    const done: string[] = [];
    writes.run('a', async () => {
      await new Promise((r) => setTimeout(r, 5));
      writes.run('b', async () => { await new Promise((r) => setTimeout(r, 5)); done.push('b'); });
      done.push('a');
    });
    await writes.settled();
    expect(done).toEqual(['a', 'b']);
  });
});

describe('KeyedQueue', () => {
  it('runs calls one at a time per key, gives each caller its own result or error, and goes on after a failure', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const slow = (name: string, ms: number) => async () => { order.push(`${name} start`); await new Promise((r) => setTimeout(r, ms)); order.push(`${name} end`); return name; };
    const a = queue.run('k', slow('a', 10));
    const b = queue.run('k', async () => { order.push('b start'); throw new Error('b failed'); });
    const c = queue.run('k', slow('c', 1));
    const other = queue.run('other', slow('x', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c');
    await expect(other).resolves.toBe('x');
    expect(order.filter((e) => !e.startsWith('x'))).toEqual(['a start', 'a end', 'b start', 'c start', 'c end']);
    // The other key did not wait for this one.
    expect(order.indexOf('x start')).toBeLessThan(order.indexOf('a end'));
    await queue.settled();
  });
});
