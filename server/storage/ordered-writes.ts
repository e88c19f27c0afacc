import { KeyedQueue } from '../keyed-queue.ts';
import type { Logger } from '../logger.ts';

/**
 * Writes asked for from a synchronous callback (an adapter's AdapterState.set, a circuit breaker's
 * change) that nobody waits for: run in the order asked per key (a row), so the last value asked
 * for is the one stored even on a pool of connections that could otherwise commit them out of
 * order. A write starts at once when no earlier write for its key is still settling (on SQLite the
 * row is then written before `run` returns; a second write for the key in the same synchronous
 * stretch follows a few microtasks later); a failure is logged with `what`, never thrown.
 */
export class OrderedWrites {
  private readonly queue = new KeyedQueue();

  constructor(private readonly logger: Logger, private readonly what: string) {}

  run(key: string, write: () => Promise<void>): void {
    this.queue.run(key, write).catch((error: unknown) => {
      this.logger.warn({ err: error, key }, `could not store ${this.what}`);
    });
  }

  /** Resolves when every write asked for so far (and any asked for meanwhile) has ended. */
  settled(): Promise<void> {
    return this.queue.settled();
  }
}
