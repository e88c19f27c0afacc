import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the WebSocket transport waits on before a frame derived from a change may leave the server
 * (the acknowledgement, the broadcast, a sync reply built from the live document): the change must
 * be committed first. On SQLite that is the GroupCommit; on PostgreSQL an AppendBarrier over the
 * document appends in flight.
 *
 * Rules: `afterCommit` callbacks run in the order they were registered, each once everything
 * written before its registration has committed or failed; on failure the documents that held the
 * failed changes have been discarded (their sockets closed) before the callback runs, so releasing
 * held frames to a socket still open never reveals an unstored change.
 */
export interface WriteBarrier {
  /** True while something written is not yet committed (or failed). */
  readonly pending: boolean;
  /**
   * A number that changes with each batch of writes: frames held while it stays the same are
   * released together, frames held after it changed wait for their own batch.
   */
  readonly generation: number;
  /**
   * Calls `then` once everything written so far has committed or failed (at once when nothing is
   * pending): `then(false)` when the latest of those writes failed (GroupCommit: the open group).
   */
  afterCommit(then: (committed: boolean) => void): void;
  /**
   * Runs `fn` (an HTTP request's work) and resolves once every write it made, in its own async
   * context, has committed or failed: `committed` false when any of them failed (its change was
   * discarded), `wrote` whether it made any. Writes made by others meanwhile are not waited for.
   */
  track<T>(fn: () => Promise<T>): Promise<{ value: T; committed: boolean; wrote: boolean }>;
}

/**
 * A WriteBarrier over asynchronous writes (PostgreSQL appends): each write is added as a promise
 * that settles once its outcome is handled (resolving true when committed, false when not, after
 * the caller discarded what the failure touched). The writes are chained, so a callback waits for
 * every write added before it, whatever order their groups answer in.
 */
export class AppendBarrier implements WriteBarrier {
  private tail: Promise<boolean> = Promise.resolve(true);
  /** The outcomes of the writes each `track` caller made (the appends run in its async context). */
  private readonly scopes = new AsyncLocalStorage<Promise<boolean>[]>();
  private unsettled = 0;
  private added = 0;

  get pending(): boolean {
    return this.unsettled > 0;
  }

  get generation(): number {
    return this.added;
  }

  /** Adds a write; `outcome` must never reject (true: committed, false: failed and handled). */
  add(outcome: Promise<boolean>): void {
    this.scopes.getStore()?.push(outcome);
    this.unsettled++;
    this.added++;
    const previous = this.tail;
    this.tail = previous.then(async () => {
      const committed = await outcome;
      this.unsettled--;
      return committed;
    });
  }

  afterCommit(then: (committed: boolean) => void): void {
    if (!this.pending) {
      then(true);
      return;
    }
    void this.tail.then(then);
  }

  async track<T>(fn: () => Promise<T>): Promise<{ value: T; committed: boolean; wrote: boolean }> {
    const outcomes: Promise<boolean>[] = [];
    const value = await this.scopes.run(outcomes, fn);
    const results = await Promise.all(outcomes);
    return { value, committed: results.every(Boolean), wrote: outcomes.length > 0 };
  }

  /** Resolves once every write added so far has settled (shutdown, compaction). */
  async settled(): Promise<void> {
    await this.tail;
  }
}
