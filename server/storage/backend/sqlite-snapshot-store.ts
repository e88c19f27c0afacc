import type { SnapshotSummary } from '../../../schema/index.ts';
import type { SnapshotStore as SqliteSnapshots } from '../snapshot-store.ts';
import type { StorageBackend } from './document-store.ts';
import { storableSnapshot, type NewSnapshot, type SnapshotStore } from './snapshot-store.ts';

/**
 * The SQLite backend of the asynchronous SnapshotStore: the synchronous store (snapshot-store.ts)
 * unchanged, behind promises (its INSERT autocommits, or joins the caller's open transaction).
 * `rows` stays public while callers are converted.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  readonly backend: StorageBackend = 'sqlite';

  constructor(readonly rows: SqliteSnapshots) {}

  async create(given: NewSnapshot): Promise<SnapshotSummary> {
    const input = storableSnapshot(given);
    return this.rows.create(input);
  }

  async listFor(weddingId: string): Promise<SnapshotSummary[]> {
    return this.rows.listFor(weddingId);
  }

  async get(weddingId: string, id: string): Promise<SnapshotSummary | undefined> {
    return this.rows.get(weddingId, id);
  }

  async getState(weddingId: string, id: string): Promise<Uint8Array | undefined> {
    return this.rows.getState(weddingId, id);
  }
}
