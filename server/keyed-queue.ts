/**
 * Runs functions one at a time per key, in the order given: a call starts once the earlier calls
 * for its key have ended (fulfilled or rejected), and at once when none is under way (so a
 * synchronous store is written before `run` returns). Each call's own result or error goes to its
 * caller; one call failing does not stop the next.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const start = (): Promise<T> => {
      try {
        return fn();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const prior = this.tails.get(key);
    const run = prior ? prior.then(start) : start();
    const tail = run.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Resolves when every call made so far (and any made meanwhile) has ended. */
  async settled(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
