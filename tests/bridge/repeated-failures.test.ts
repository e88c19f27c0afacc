import { describe, expect, it } from 'vitest';
import { PassLoop } from '../../server/bridge/pass-loop.ts';
import { RepeatedFailureLog } from '../../server/repeated-failures.ts';
import { capturedLogger } from '../helpers/captured-logger.ts';
import { waitFor } from '../helpers/wait.ts';

describe('a worker whose passes fail while the database is down (operator trial: 240 lines in a 40 s outage)', () => {
  it('logs the first failure, then once a minute with how many since, and once when it works again', async () => {
    const { logger, lines } = capturedLogger();
    let now = 0;
    const log = new RepeatedFailureLog(logger, 'error', 'outbox pass failed', () => now);
    const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    for (let i = 0; i < 40; i++) { log.failed(down); now += 1000; } // 40 s of one failure a second
    expect(lines.map((l) => [l.level, l.msg, l.failures])).toEqual([[50, 'outbox pass failed', 1]]);
    expect((lines[0]!.err as { message: string }).message).toBe(down.message);
    for (let i = 0; i < 40; i++) { log.failed(down, { weddingId: 'w1' }); now += 1000; } // past the minute
    expect(lines.slice(1).map((l) => [l.msg, l.failures, l.failingForMs, l.weddingId])).toEqual([['outbox pass failed', 60, 60_000, 'w1']]);
    log.succeeded();
    log.succeeded();
    expect(lines.slice(2).map((l) => [l.level, l.msg, l.failures, l.failedForMs])).toEqual([[30, 'outbox pass failed: working again', 80, 80_000]]);
    // Within the minute, another kind of error (a bug beside the outage) is logged at once, once.
    now += 1000;
    log.failed(down);
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    log.failed(bug);
    log.failed(bug);
    log.failed(down);
    expect(lines.slice(-2).map((l) => [l.msg, (l.err as { message: string }).message, l.failures])).toEqual([
      ['outbox pass failed', 'connect ECONNREFUSED 127.0.0.1:5432', 1],
      ['outbox pass failed', bug.message, 1],
    ]);
    log.succeeded();
    // A new outage starts over: its first failure is logged at once.
    log.failed(down);
    expect(lines.at(-1)).toMatchObject({ msg: 'outbox pass failed', failures: 1 });
    expect(lines.at(-1)!.failingForMs).toBeUndefined();
  });

  it('through a real pass loop: many failing passes make one line, and the first good pass the "working again" line', async () => {
    const { logger, lines } = capturedLogger();
    const log = new RepeatedFailureLog(logger, 'error', 'inbox pass failed');
    let failing = true;
    let passes = 0;
    const loop = new PassLoop(async () => {
      passes++;
      if (failing) throw new Error('database down');
      log.succeeded(); // the store answered
      return null;
    }, (error) => log.failed(error), 5);
    loop.start();
    await waitFor(() => passes >= 20, 'twenty failed passes');
    failing = false;
    await waitFor(() => lines.some((l) => l.msg === 'inbox pass failed: working again'), 'the pass working again');
    await loop.stop();
    expect(lines.filter((l) => l.msg === 'inbox pass failed')).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'inbox pass failed: working again')!.failures).toBeGreaterThanOrEqual(20);
  });
});
