import { AsyncLocalStorage } from 'node:async_hooks';
import type { WriteBarrier } from './write-barrier.ts';
import type { Db } from './database.ts';

/** What one caller (an HTTP request) wrote: the groups it wrote in, and whether one of them failed. */
interface WriteScope {
  groups: Set<number>;
  failed: boolean;
}

/**
 * Group commit for the update log. Every document update must be on disk before it is
 * acknowledged, but one SQLite commit per update caps throughput at what the disk accepts per
 * commit. So the writes made while the event loop handles one turn share a transaction, committed
 * right after that turn (setImmediate), and the acknowledgements that promise durability wait for
 * it (`afterCommit`). Each write runs in its own savepoint, so one that throws is undone alone.
 *
 * Anything else that writes while a group is open joins it; code that tells the outside world
 * something is stored (an HTTP response, a push to an external system) calls `commit()` first.
 *
 * A collaboration message's writes are complete when its `write` returns, so a group holding only
 * such writes may be committed as soon as the socket that sent them has nothing more queued
 * (`commitMessages`): otherwise a bystander's acknowledgement and broadcast would wait for every
 * other message handled in the same turn (the other weddings' and a flooder's). A group any other
 * writer joined (an HTTP request, the bridge) still commits at the end of the turn, so a request's
 * writes are kept or dropped together.
 *
 * Failure: when COMMIT fails (disk full, I/O error) the group is rolled back, `onSettled`
 * listeners hear it first (the persistence discards the live documents that changed in it), and
 * only then are the waiting acknowledgements told `false`. `track` tells one caller whether its own
 * writes were committed, whatever else shared their groups.
 */
export class GroupCommit implements WriteBarrier {
  private open = false;
  private waiting: ((committed: boolean) => void)[] = [];
  private readonly settledListeners: ((committed: boolean, error?: unknown) => void)[] = [];
  private readonly inSavepoint: (fn: () => unknown) => unknown;
  private readonly scopes = new AsyncLocalStorage<WriteScope>();
  /** Numbers the groups, so a scope can tell which ones it wrote in. */
  private groupNumber = 0;
  /** False once a write other than a collaboration message's joined the open group. */
  private onlyMessages = true;

  /**
   * @param eagerMessages whether `commitMessages` commits at all. Off with `synchronous = full`, where
   *   every commit is an fsync on the event loop: one per turn then costs everyone less than one per
   *   socket. @default true
   */
  constructor(private readonly db: Db, private readonly onError: (error: unknown) => void, private readonly eagerMessages = true) {
    this.inSavepoint = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Runs `fn` in the current group, opening one if needed. Inside a transaction someone else
   * opened (e.g. the inbox worker applying a batch), `fn` joins that one and commits with it.
   * `from: 'message'` marks the write of one collaboration message, complete when `fn` returns
   * (see `commitMessages`); anything else is `'other'`.
   */
  write<T>(fn: () => T, from: 'message' | 'other' = 'other'): T {
    // SQLite rolls the whole transaction back by itself on some errors (SQLITE_FULL among them):
    // the group is gone, and what it held must be treated as a failed commit.
    if (this.open && !this.db.inTransaction) this.fail(new Error('the open group was rolled back by SQLite'));
    if (!this.open && !this.db.inTransaction) {
      this.db.exec('BEGIN');
      this.open = true;
      this.groupNumber++;
      this.onlyMessages = true;
      setImmediate(() => this.commit());
    }
    if (from !== 'message') this.onlyMessages = false;
    const scope = this.scopes.getStore();
    if (scope && this.open && !scope.groups.has(this.groupNumber)) {
      scope.groups.add(this.groupNumber);
      this.waiting.push((committed) => { if (!committed) scope.failed = true; });
    }
    try {
      return this.inSavepoint(fn) as T;
    } catch (error) {
      if (this.open && !this.db.inTransaction) this.fail(error);
      throw error;
    }
  }

  /**
   * Runs `fn` in a savepoint of its own inside the open transaction (within `write`): if it throws,
   * its writes alone are rolled back. Used to keep one listener's failure from undoing the others'.
   */
  savepoint<T>(fn: () => T): T {
    return this.inSavepoint(fn) as T;
  }

  /** False once SQLite rolled the open transaction back by itself (or when none is open). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  get pending(): boolean {
    return this.open;
  }

  /** The number of the latest group opened (WriteBarrier: frames held for one group are released together). */
  get generation(): number {
    return this.groupNumber;
  }

  /** `then(true)` once everything written so far is committed (at once if nothing is pending); `then(false)` if that commit failed. */
  afterCommit(then: (committed: boolean) => void): void {
    if (this.open) this.waiting.push(then);
    else then(true);
  }

  /** Called after every group's COMMIT (or failure), before the waiting acknowledgements. */
  onSettled(listener: (committed: boolean, error?: unknown) => void): void {
    this.settledListeners.push(listener);
  }

  /**
   * Runs `fn` and reports whether every write it made (directly or through listeners, across
   * awaits) is committed: `committed` is false when any group it wrote in failed or was aborted.
   * Waits for the group still open at the end.
   */
  async track<T>(fn: () => Promise<T>): Promise<{ value: T; committed: boolean; wrote: boolean }> {
    const scope: WriteScope = { groups: new Set(), failed: false };
    const value = await this.scopes.run(scope, fn);
    if (this.open && scope.groups.has(this.groupNumber)) await new Promise((resolve) => this.afterCommit(resolve));
    return { value, committed: !scope.failed, wrote: scope.groups.size > 0 };
  }

  /** True inside `track` (an HTTP request), false for background work. */
  get tracking(): boolean {
    return this.scopes.getStore() !== undefined;
  }

  /** True when the caller (inside `track`) has written into the group that is still open. */
  wroteInOpenGroup(): boolean {
    return this.open && (this.scopes.getStore()?.groups.has(this.groupNumber) ?? false);
  }

  /**
   * Commits the open group now if every write in it came from a collaboration message (`write(fn,
   * 'message')`); a group another writer joined is left to commit at the end of the turn, as is
   * every group when `eagerMessages` is off. Called once a socket's queued messages are handled.
   * Returns whether it committed something.
   */
  commitMessages(): boolean {
    if (!this.eagerMessages || !this.open || !this.onlyMessages) return false;
    this.commit();
    return true;
  }

  /** Commits the open group now (a no-op when none is open). */
  commit(): void {
    if (!this.open) return;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      this.fail(error);
      return;
    }
    this.settle(true);
  }

  /**
   * Rolls the open group back as if its commit had failed (a caller found that part of what it
   * wrote could not be stored, so none of the group may be kept or acknowledged).
   */
  abort(error: unknown): void {
    if (this.open) this.fail(error);
  }

  private fail(error: unknown): void {
    try { if (this.db.inTransaction) this.db.exec('ROLLBACK'); } catch { /* the database reports its own state */ }
    this.onError(error);
    this.settle(false, error);
  }

  private settle(committed: boolean, error?: unknown): void {
    this.open = false;
    for (const listener of this.settledListeners) {
      try { listener(committed, error); } catch (listenerError) { this.onError(listenerError); }
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const then of waiting) then(committed);
  }
}
