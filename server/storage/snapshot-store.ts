import crypto from 'node:crypto';
import type { SnapshotSummary } from '../../schema/index.ts';
import type { Db } from './database.ts';

/** A `snapshots` row as both backends read it (the same columns on SQLite and PostgreSQL). */
export interface SnapshotRow {
  id: string;
  wedding_id: string;
  label: string;
  kind: 'manual' | 'auto';
  created_at: string;
  created_by: string;
  size_bytes: number;
}

const toSummary = (r: SnapshotRow): SnapshotSummary => ({
  id: r.id, weddingId: r.wedding_id, label: r.label, kind: r.kind, createdAt: r.created_at, createdBy: r.created_by,
  sizeBytes: r.size_bytes,
});

const COLUMNS = 'id, wedding_id, label, kind, created_at, created_by, size_bytes';

/** A new snapshot id: `snap_` + 20 hex digits. */
export const newSnapshotId = (): string => `snap_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;

export class SnapshotStore {
  private readonly insert;
  private readonly list;
  private readonly one;
  private readonly state;

  /** @param now the clock that stamps `createdAt` (UTC). */
  constructor(db: Db, private readonly now: () => Date = () => new Date()) {
    this.insert = db.prepare(`INSERT INTO snapshots (id, wedding_id, label, kind, created_at, created_by, state, size_bytes)
      VALUES (@id, @wedding_id, @label, @kind, @created_at, @created_by, @state, @size_bytes)`);
    this.list = db.prepare(`SELECT ${COLUMNS} FROM snapshots WHERE wedding_id = ? ORDER BY created_at DESC, rowid DESC`);
    this.one = db.prepare(`SELECT ${COLUMNS} FROM snapshots WHERE wedding_id = ? AND id = ?`);
    this.state = db.prepare('SELECT state FROM snapshots WHERE wedding_id = ? AND id = ?').pluck();
  }

  create(input: { weddingId: string; label: string; kind: 'manual' | 'auto'; createdBy: string; state: Uint8Array }): SnapshotSummary {
    const row = {
      id: newSnapshotId(),
      wedding_id: input.weddingId,
      label: input.label,
      kind: input.kind,
      created_at: this.now().toISOString(),
      created_by: input.createdBy,
      state: input.state,
      size_bytes: input.state.byteLength,
    };
    this.insert.run(row);
    return toSummary(row);
  }

  listFor(weddingId: string): SnapshotSummary[] {
    return (this.list.all(weddingId) as SnapshotRow[]).map(toSummary);
  }

  get(weddingId: string, id: string): SnapshotSummary | undefined {
    const r = this.one.get(weddingId, id) as SnapshotRow | undefined;
    return r ? toSummary(r) : undefined;
  }

  getState(weddingId: string, id: string): Uint8Array | undefined {
    return this.state.get(weddingId, id) as Uint8Array | undefined;
  }
}
