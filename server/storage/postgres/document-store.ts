import type pg from 'pg';
import type { DocumentStore, Fence, StoredDocument, StoredRowsUpTo } from '../backend/document-store.ts';
import { WedSyncError } from '../../errors.ts';
import { AppendGroup, type CommittedAppend, type JoinedOutcome, type JoinedWrite } from './append-group.ts';
import { runAllJoined } from './joined-writes.ts';
import { checkFence } from './fence.ts';
import { inTransaction } from './pool.ts';

/** Reads of state + log see one snapshot, as SQLite's read transaction does. */
const READ_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

const UPSERT_STATE = `INSERT INTO documents (name, state) VALUES ($1, $2)
  ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`;

export interface PostgresDocumentStoreOptions {
  /**
   * Refuse writes without a fence. Off only for a database that one process writes (tools, tests
   * of the storage itself): with several instances an unfenced write could land after another
   * instance took the document over. @default true
   */
  requireFence?: boolean;
  /** End the pool in `close()`. @default false (the caller owns it) */
  ownsPool?: boolean;
}

/**
 * The PostgreSQL backend of DocumentStore (tables: schema/migrations/postgres/001_documents.sql).
 * Appends go through AppendGroup (group commit, resolved after COMMIT); compactions run in their
 * own transaction after the queued appends have settled, with the fence checked inside it.
 */
export class PostgresDocumentStore implements DocumentStore {
  readonly backend = 'postgres' as const;
  private readonly group: AppendGroup;
  private readonly requireFence: boolean;

  constructor(private readonly pool: pg.Pool, private readonly options: PostgresDocumentStoreOptions = {}) {
    this.requireFence = options.requireFence ?? true;
    this.group = new AppendGroup(pool, { requireFence: this.requireFence });
  }

  load(name: string): Promise<StoredDocument> {
    return inTransaction(this.pool, async (client) => {
      const state = await selectState(client, name);
      const { rows } = await client.query<{ update_data: Buffer }>('SELECT update_data FROM document_updates WHERE name = $1 ORDER BY seq', [name]);
      return { state, log: rows.map((r) => r.update_data) };
    }, READ_SNAPSHOT);
  }

  loadUpTo(name: string): Promise<StoredRowsUpTo> {
    return inTransaction(this.pool, async (client) => {
      const state = await selectState(client, name);
      const { rows } = await client.query<{ seq: string; update_data: Buffer }>(
        'SELECT seq, update_data FROM document_updates WHERE name = $1 ORDER BY seq', [name]);
      return { state, log: rows.map((r) => r.update_data), upTo: rows.length > 0 ? Number(rows[rows.length - 1]!.seq) : null };
    }, READ_SNAPSHOT);
  }

  append(name: string, update: Uint8Array, fence?: Fence): Promise<number> {
    return this.group.append(name, update, fence);
  }

  /**
   * Appends with writes that commit in the same transaction or not at all, each in its own
   * savepoint (AppendGroup, "Joined writes"): the PostgreSQL counterpart of SQLite's onAppend
   * listeners. Resolves after COMMIT with the seq and one outcome per joined write.
   */
  appendJoined(name: string, update: Uint8Array, fence: Fence | undefined, joined: readonly JoinedWrite[]): Promise<CommittedAppend> {
    return this.group.appendJoined(name, update, fence, joined);
  }

  /**
   * Runs `writes` in a transaction of their own, as joined writes of no append (`seq` 0), after
   * checking `fence` in it (StaleEpochError when the document's lease moved): each is rolled back
   * alone when it throws. Rejects when the transaction cannot commit.
   */
  async commitJoined(name: string, writes: readonly JoinedWrite[], fence?: Fence): Promise<readonly JoinedOutcome[]> {
    return (await inTransaction(this.pool, async (client) => {
      await this.fenced(client, name, fence);
      return runAllJoined(client, [{ append: { name, seq: 0 }, writes }]);
    }))[0]!;
  }

  async compact(name: string, state: Uint8Array, fence?: Fence): Promise<void> {
    // Appends queued before this call are in `state`: commit them first, so none commits after the
    // trim with a lower seq than it (and none is in the state yet reported as not committed).
    await this.group.settled();
    await inTransaction(this.pool, async (client) => {
      await this.fenced(client, name, fence);
      const max = await client.query<{ upto: string | null }>('SELECT max(seq) AS upto FROM document_updates WHERE name = $1', [name]);
      await client.query(UPSERT_STATE, [name, state]);
      const upTo = max.rows[0]?.upto;
      if (upTo !== null && upTo !== undefined) await client.query('DELETE FROM document_updates WHERE name = $1 AND seq <= $2', [name, upTo]);
    });
  }

  async compactUpTo(name: string, state: Uint8Array, upTo: number, fence?: Fence): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await this.fenced(client, name, fence);
      await client.query(UPSERT_STATE, [name, state]);
      await client.query('DELETE FROM document_updates WHERE name = $1 AND seq <= $2', [name, upTo]);
    });
  }

  async exists(name: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ found: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM documents WHERE name = $1) OR EXISTS (SELECT 1 FROM document_updates WHERE name = $1) AS found', [name]);
    return rows[0]!.found;
  }

  async logLength(name: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM document_updates WHERE name = $1', [name]);
    return Number(rows[0]!.n);
  }

  async stateBytes(name: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT octet_length(state) AS n FROM documents WHERE name = $1', [name]);
    return rows[0]?.n ?? 0;
  }

  async close(): Promise<void> {
    await this.group.settled();
    if (this.options.ownsPool) await this.pool.end();
  }

  private async fenced(client: pg.ClientBase, name: string, fence: Fence | undefined): Promise<void> {
    if (fence) await checkFence(client, name, fence);
    else if (this.requireFence) throw new WedSyncError('internal_error', `write to ${name} without a fence`);
  }
}

async function selectState(client: pg.ClientBase, name: string): Promise<Uint8Array | null> {
  const { rows } = await client.query<{ state: Buffer }>('SELECT state FROM documents WHERE name = $1', [name]);
  return rows[0]?.state ?? null;
}

