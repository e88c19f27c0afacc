import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../server/comms/job-queue.ts';
import type { Job } from '../../server/comms/job-runs.ts';
import { createLogger } from '../../server/logger.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

const MINUTE = 60_000;

function queue(clock: { now: number }): JobQueue {
  const db = openDatabase(tempDir(), { synchronous: 'normal' });
  registerTeardown(() => db.close());
  return new JobQueue(db, () => clock.now, createLogger({ LOG_LEVEL: 'silent' }));
}

describe('the job queue behind automatic messages', () => {
  it('a quiet period starts again with each change, but never runs past the maximum delay after the first', async () => {
    const clock = { now: 0 };
    const jobs = queue(clock);
    const ran: Job<number[]>[] = [];
    jobs.register('batch', async (job) => { ran.push(job as Job<number[]>); });
    const add = (n: number) => jobs.enqueue<number[]>({ weddingId: 'w', kind: 'batch', key: 'w:batch', payload: [n], notBefore: clock.now + 10 * MINUTE }, (a, b) => [...a, ...b], { debounceMaxMs: 25 * MINUTE });
    add(1);
    for (const at of [9, 18]) {
      clock.now = at * MINUTE;
      add(at);
      await jobs.runDue();
      expect(ran).toEqual([]);
    }
    clock.now = 24 * MINUTE;
    add(24); // would be due at 34, capped at 25
    await jobs.runDue();
    expect(ran).toEqual([]);
    clock.now = 25 * MINUTE;
    await jobs.runDue();
    expect(ran.map((j) => j.payload)).toEqual([[1, 9, 18, 24]]);
  });

  it('without the option the earlier due time stands (bursts of one kind)', async () => {
    const clock = { now: 0 };
    const jobs = queue(clock);
    const ran: unknown[] = [];
    jobs.register('k', async (job) => { ran.push(job.payload); });
    jobs.enqueue({ weddingId: 'w', kind: 'k', key: 'w:k', payload: 1, notBefore: 1000 });
    jobs.enqueue({ weddingId: 'w', kind: 'k', key: 'w:k', payload: 2, notBefore: 5000 });
    clock.now = 1000;
    await jobs.runDue();
    expect(ran).toEqual([2]);
  });

  it('a change that arrives while a claimed job runs starts a new job instead of being folded into the running one', async () => {
    const clock = { now: 0 };
    const jobs = queue(clock);
    const seen: number[][] = [];
    let during: (() => void) | null = () => {
      jobs.enqueue<number[]>({ weddingId: 'w', kind: 'batch', key: 'w:batch', payload: [2], notBefore: 0 }, (a, b) => [...a, ...b]);
    };
    jobs.register('batch', async (job) => {
      const claimed = jobs.claim<number[]>(job.id)!;
      during?.();
      during = null;
      seen.push(claimed.payload);
    });
    jobs.enqueue<number[]>({ weddingId: 'w', kind: 'batch', key: 'w:batch', payload: [1], notBefore: 0 }, (a, b) => [...a, ...b]);
    await jobs.runDue();
    await jobs.runDue();
    expect(seen).toEqual([[1], [2]]);
  });

  it('cancels by key prefix, keeping the named keys, whatever character follows the prefix', async () => {
    const clock = { now: 0 };
    const jobs = queue(clock);
    const ran: unknown[] = [];
    jobs.register('k', async (job) => { ran.push(job.key); });
    // U+FFFF and an astral character (above U+FFFF, after it in UTF-8) after the prefix, and a key that only starts like it.
    for (const key of ['w:due:1', 'w:due:2', 'w:due\uffff', 'w:due😀', 'w:du', 'w:other']) {
      jobs.enqueueOnce({ weddingId: 'w', kind: 'k', key, payload: {}, notBefore: 0 });
    }
    jobs.cancelByPrefix('w', 'w:due', ['w:due:2']);
    await jobs.runDue();
    expect(ran.sort()).toEqual(['w:du', 'w:due:2', 'w:other']);
  });
});
