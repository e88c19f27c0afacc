import type pg from 'pg';
import { CollabInstances } from '../postgres/collab-instances.ts';
import { DocumentLeases } from '../postgres/document-leases.ts';
import { PostgresDocumentStore } from '../postgres/document-store.ts';
import { PostgresSnapshotStore } from '../postgres/snapshot-store.ts';
import { applyPostgresMigrations } from '../postgres/migrations.ts';
import { isPostgresUrl, openPostgresPool, type PostgresPoolOptions } from '../postgres/pool.ts';
import type { StorageBackend } from './document-store.ts';

/**
 * The backend a DATABASE_URL selects: unset or empty is SQLite (the embedded default, in DATA_DIR);
 * `postgres://…`/`postgresql://…` is PostgreSQL. Anything else throws (TypeError), so a typo does
 * not quietly fall back to a local file on one instance of a cluster.
 */
export function storageBackendFor(databaseUrl: string | undefined): StorageBackend {
  if (databaseUrl === undefined || databaseUrl === '') return 'sqlite';
  if (isPostgresUrl(databaseUrl)) return 'postgres';
  throw new TypeError('DATABASE_URL must be empty (SQLite) or start with postgres:// or postgresql://');
}

export interface OpenedPostgres {
  pool: pg.Pool;
  documents: PostgresDocumentStore;
  leases: DocumentLeases;
  /** The instances sharing the database, and who serves a document now (routing). */
  instances: CollabInstances;
  snapshots: PostgresSnapshotStore;
  /** Waits for pending appends, then ends the pool. */
  close(): Promise<void>;
}

/**
 * Connects to the PostgreSQL database at `url`, applies its migrations (schema/migrations/postgres/)
 * and returns the document store, the snapshot store, the leases of instance `instanceId` and the
 * instance registry. Throws when the database
 * cannot be reached or a migration fails; the pool is ended then.
 */
export async function openPostgresDocuments(url: string, options: { instanceId: string; pool?: PostgresPoolOptions }): Promise<OpenedPostgres> {
  const pool = openPostgresPool(url, options.pool);
  try {
    await applyPostgresMigrations(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const documents = new PostgresDocumentStore(pool);
  const instances = new CollabInstances(pool);
  return {
    pool,
    documents,
    leases: new DocumentLeases(pool, options.instanceId),
    instances,
    snapshots: new PostgresSnapshotStore(pool),
    async close() {
      await documents.close();
      // The connection holding the INSTANCE_ID claim goes with its lock, or the pool would wait for it.
      instances.close();
      await pool.end();
    },
  };
}
