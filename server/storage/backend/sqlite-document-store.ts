import type { DocumentStore as SqliteRows } from '../document-store.ts';
import type { GroupCommit } from '../group-commit.ts';
import { WedSyncError } from '../../errors.ts';
import { isStorageError, StorageUnavailableError } from '../storage-health.ts';
import type { CommittedAppend, DocumentStore, Fence, JoinedAppend, JoinedOutcome, StoredDocument, StoredRowsUpTo } from './document-store.ts';

/**
 * A write that must commit with one append, on SQLite: synchronous, through the caller's own
 * statements on the same Db, in a savepoint of its own inside the append's group transaction.
 */
export type SqliteJoinedWrite = (append: JoinedAppend) => void;

/**
 * The SQLite backend of the asynchronous DocumentStore: the synchronous store (document-store.ts)
 * unchanged, behind promises. With a GroupCommit a write joins the open group and its promise
 * settles after that group's COMMIT (rejecting with StorageUnavailableError when it failed), so
 * "resolved" means committed as on PostgreSQL; without one each write commits on its own (autocommit).
 *
 * `rows` stays public while callers are converted: synchronous code keeps using it directly, with
 * the same behaviour and speed as before (docs/storage-backends.md).
 */
export class SqliteDocumentStore implements DocumentStore {
  readonly backend = 'sqlite' as const;

  constructor(readonly rows: SqliteRows, private readonly group?: GroupCommit) {}

  async load(name: string): Promise<StoredDocument> {
    return this.rows.load(name);
  }

  async loadUpTo(name: string): Promise<StoredRowsUpTo> {
    return this.rows.loadUpTo(name);
  }

  /** The fence is ignored: one process owns the SQLite file. */
  async append(name: string, update: Uint8Array): Promise<number> {
    return this.write(() => this.rows.append(name, update));
  }

  /**
   * The SQLite side of PostgresDocumentStore.appendJoined, with the same contract: `joined` run
   * after the INSERT, in order, each in its own savepoint of the group's transaction (as the
   * onAppend listeners do, GroupCommit.savepoint); one that throws is rolled back alone and reported
   * `{ ok: false }`; the promise resolves after the group's COMMIT, and rejects with
   * StorageUnavailableError (nothing of it stored) when that failed. A storage failure inside a
   * joined write (disk full: SQLite may have rolled the whole transaction back) fails the append,
   * as on PostgreSQL a lost connection fails the group. Needs a GroupCommit (internal_error without one).
   */
  async appendJoined(name: string, update: Uint8Array, _fence: Fence | undefined, joined: readonly SqliteJoinedWrite[]): Promise<CommittedAppend> {
    const group = this.group;
    if (!group) throw new WedSyncError('internal_error', 'appendJoined needs a GroupCommit');
    return this.write(() => {
      const seq = this.rows.append(name, update);
      const outcomes: JoinedOutcome[] = [];
      for (const write of joined) {
        try {
          group.savepoint(() => write({ name, seq }));
          outcomes.push({ ok: true });
        } catch (error) {
          if (isStorageError(error) || !group.inTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return { seq, joined: outcomes };
    });
  }

  async compact(name: string, state: Uint8Array): Promise<void> {
    return this.write(() => this.rows.compact(name, state));
  }

  async compactUpTo(name: string, state: Uint8Array, upTo: number): Promise<void> {
    return this.write(() => this.rows.compactUpTo(name, state, upTo));
  }

  async exists(name: string): Promise<boolean> {
    return this.rows.exists(name);
  }

  async logLength(name: string): Promise<number> {
    return this.rows.logLength(name);
  }

  async stateBytes(name: string): Promise<number> {
    return this.rows.stateBytes(name);
  }

  async close(): Promise<void> {
    const group = this.group;
    if (group?.pending) await new Promise<boolean>((resolve) => group.afterCommit(resolve));
  }

  private async write<T>(fn: () => T): Promise<T> {
    const group = this.group;
    if (!group) return fn();
    const value = group.write(fn);
    const committed = await new Promise<boolean>((resolve) => group.afterCommit(resolve));
    if (!committed) throw new StorageUnavailableError('the write could not be committed');
    return value;
  }
}
