import type { Counter } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { Db } from '../storage/database.ts';
import { isStorageError } from '../storage/storage-health.ts';

/** Where each listener's writes get a savepoint of their own: the transaction that appends the update. */
export interface Savepoints {
  /** Runs `fn` in a SAVEPOINT of the open transaction: if `fn` throws, its writes alone are rolled back. */
  savepoint<T>(fn: () => T): T;
  /** False once SQLite has rolled the whole transaction back by itself (SQLITE_FULL and the like). */
  readonly inTransaction: boolean;
}

/** Savepoints on `db` (better-sqlite3 runs a transaction function nested in a transaction as a SAVEPOINT). */
export function dbSavepoints(db: Db): Savepoints {
  const run = db.transaction((fn: () => unknown) => fn());
  return { savepoint: <T>(fn: () => T) => run(fn) as T, get inTransaction() { return db.inTransaction; } };
}

const NAME = Symbol('documentListenerName');

/**
 * Names a document listener for logs and `wedsync_document_listener_errors_total{listener}`
 * (e.g. `named('payments', this.onDocumentUpdate)`); returns `fn` itself.
 */
export function namedListener<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  Object.defineProperty(fn, NAME, { value: name });
  return fn;
}

/** The name given with namedListener, else the function's own name. */
export function listenerName(fn: (...args: never[]) => unknown): string {
  return (fn as { [NAME]?: string })[NAME] ?? (fn.name.replace(/^bound /, '') || 'anonymous');
}

/**
 * Listeners that run inside a client's durable write (the transaction appending its update): the
 * outbox planner, activity, comms, calendar and payments. A listener that throws is a bug in that
 * domain, and must neither un-acknowledge the edit nor stop the others: each runs in its own
 * savepoint, so what it wrote before throwing is rolled back alone, and the error is logged with
 * the listener's name and counted. Storage failures are not a listener's bug: they are rethrown
 * (the whole write fails, as any write on a failing disk).
 */
export class GuardedListeners<A extends unknown[]> {
  private readonly listeners: Array<(...args: A) => void> = [];

  constructor(
    private readonly savepoints: Savepoints,
    private readonly logger?: Pick<Logger, 'error'>,
    private readonly errors?: Pick<Counter<'listener'>, 'inc'>,
  ) {}

  add(listener: (...args: A) => void): void {
    this.listeners.push(listener);
  }

  /** How many listeners are registered. */
  get size(): number {
    return this.listeners.length;
  }

  /** Calls every listener with `args`, each in its own savepoint; throws only on a storage failure. */
  run(...args: A): void {
    for (const listener of this.listeners) {
      try {
        this.savepoints.savepoint(() => listener(...args));
      } catch (error) {
        if (isStorageError(error) || !this.savepoints.inTransaction) throw error;
        const name = listenerName(listener);
        this.errors?.inc({ listener: name });
        this.logger?.error({ err: error, listener: name, documentName: args[0] }, 'a document listener threw; its writes were rolled back, the update and the other listeners went on');
      }
    }
  }
}
