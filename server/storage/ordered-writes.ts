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
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly logger: Logger, private readonly what: string) {}

  run(key: string, write: () => Promise<void>): void {
    const start = (): Promise<void> => {
      try {
        return write();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const prior = this.chains.get(key);
    const next = (prior ? prior.then(start) : start()).catch((error: unknown) => {
      this.logger.warn({ err: error, key }, `could not store ${this.what}`);
    });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** Resolves when every write asked for so far (and any asked for meanwhile) has ended. */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }
}
