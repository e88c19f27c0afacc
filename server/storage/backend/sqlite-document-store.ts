import type { DocumentStore as SqliteRows } from '../document-store.ts';
import type { GroupCommit } from '../group-commit.ts';
import { StorageUnavailableError } from '../storage-health.ts';
import type { DocumentStore, StoredDocument, StoredRowsUpTo } from './document-store.ts';

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
