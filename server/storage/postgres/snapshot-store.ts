import type pg from 'pg';
import type { SnapshotSummary } from '../../../schema/index.ts';
import type { StorageBackend } from '../backend/document-store.ts';
import { storableSnapshot, type NewSnapshot, type SnapshotStore } from '../backend/snapshot-store.ts';
import { newSnapshotId, type SnapshotRow } from '../snapshot-store.ts';

const COLUMNS = 'id, wedding_id, label, kind, created_at, created_by, size_bytes';

const toSummary = (r: SnapshotRow): SnapshotSummary => ({
  id: r.id, weddingId: r.wedding_id, label: r.label, kind: r.kind, createdAt: r.created_at, createdBy: r.created_by,
  sizeBytes: r.size_bytes,
});

/**
 * The PostgreSQL backend of SnapshotStore (table: schema/migrations/postgres/001_documents.sql,
 * ordered by 003_snapshots_order.sql). Each call is one autocommitted statement on the pool.
 */
export class PostgresSnapshotStore implements SnapshotStore {
  readonly backend: StorageBackend = 'postgres';

  /** @param now the clock that stamps `createdAt` (UTC). */
  constructor(private readonly pool: pg.Pool, private readonly now: () => Date = () => new Date()) {}

  async create(given: NewSnapshot): Promise<SnapshotSummary> {
    const input = storableSnapshot(given);
    const row: SnapshotRow = {
      id: newSnapshotId(), wedding_id: input.weddingId, label: input.label, kind: input.kind,
      created_at: this.now().toISOString(), created_by: input.createdBy, size_bytes: input.state.byteLength,
    };
    await this.pool.query(`INSERT INTO snapshots (id, wedding_id, label, kind, created_at, created_by, state, size_bytes)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.id, row.wedding_id, row.label, row.kind, row.created_at, row.created_by, input.state, row.size_bytes]);
    return toSummary(row);
  }

  async listFor(weddingId: string): Promise<SnapshotSummary[]> {
    const { rows } = await this.pool.query<SnapshotRow>(
      `SELECT ${COLUMNS} FROM snapshots WHERE wedding_id = $1 ORDER BY created_at COLLATE "C" DESC, position DESC`, [weddingId]);
    return rows.map(toSummary);
  }

  async get(weddingId: string, id: string): Promise<SnapshotSummary | undefined> {
    const { rows } = await this.pool.query<SnapshotRow>(`SELECT ${COLUMNS} FROM snapshots WHERE wedding_id = $1 AND id = $2`, [weddingId, id]);
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  async getState(weddingId: string, id: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.pool.query<{ state: Buffer }>('SELECT state FROM snapshots WHERE wedding_id = $1 AND id = $2', [weddingId, id]);
    return rows[0]?.state;
  }
}
