import type pg from 'pg';
import { opaqueText } from '../storage/storable-text.ts';
import { toUnmatchedRecord, unmatchedValues, type NewUnmatched, type UnmatchedRecord, type UnmatchedRecords, type UnmatchedRow, type UnmatchedStatus } from './unmatched-store.ts';

const COLUMNS = `id, connection_id, workspace_id, entity, external_id, change, proposals, status, received_at::double precision AS received_at,
  updated_at::double precision AS updated_at, resolved_by, wedding_ids`;

/**
 * The unmatched queue on PostgreSQL (schema/migrations/postgres/020_audit_unmatched.sql), shared by
 * every instance: the contract of UnmatchedRecords. A record put through two instances at once is
 * one row (the unique index, upsert).
 */
export class PostgresUnmatchedStore implements UnmatchedRecords {
  constructor(private readonly pool: pg.Pool) {}

  private async many(where: string, params: unknown[]): Promise<UnmatchedRecord[]> {
    const { rows } = await this.pool.query<UnmatchedRow>(`SELECT ${COLUMNS} FROM unmatched ${where}`, params);
    return rows.map(toUnmatchedRecord);
  }

  /** `client`: an open transaction's, when the record must commit with a delivery's other writes. */
  async put(r: NewUnmatched, client: pg.ClientBase | pg.Pool = this.pool): Promise<UnmatchedRecord> {
    const v = unmatchedValues(r);
    const reference = typeof r.change.reference === 'string' ? opaqueText(r.change.reference) : null;
    const { rows } = await client.query<UnmatchedRow>(`INSERT INTO unmatched (id, connection_id, workspace_id, entity, external_id, change, reference, proposals, status, received_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9)
      ON CONFLICT (connection_id, entity, external_id) DO UPDATE SET change = excluded.change, reference = excluded.reference, proposals = excluded.proposals,
        updated_at = excluded.updated_at
      RETURNING ${COLUMNS}`, [v.id, v.connection_id, v.workspace_id, v.entity, v.external_id, v.change, reference, v.proposals, v.at]);
    return toUnmatchedRecord(rows[0]!);
  }

  async byRecord(connectionId: string, entity: string, externalId: string): Promise<UnmatchedRecord | undefined> {
    return (await this.many('WHERE connection_id = $1 AND entity = $2 AND external_id = $3', [connectionId, entity, opaqueText(externalId)]))[0];
  }

  async get(id: string): Promise<UnmatchedRecord | undefined> {
    return (await this.many('WHERE id = $1', [id]))[0];
  }

  list(workspaceId: string, status: UnmatchedStatus | null, limit = 200): Promise<UnmatchedRecord[]> {
    return status
      ? this.many('WHERE workspace_id = $1 AND status = $2 ORDER BY received_at DESC, id COLLATE "C" LIMIT $3', [workspaceId, status, limit])
      : this.many('WHERE workspace_id = $1 ORDER BY received_at DESC, id COLLATE "C" LIMIT $2', [workspaceId, limit]);
  }

  async openWithReference(connectionId: string, references: string[]): Promise<UnmatchedRecord[]> {
    if (references.length === 0) return [];
    return this.many(`WHERE connection_id = $1 AND status = 'open' AND reference = ANY($2::text[]) ORDER BY received_at, id COLLATE "C"`,
      [connectionId, references.map(opaqueText)]);
  }

  async openCount(connectionId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>("SELECT count(*)::integer AS n FROM unmatched WHERE connection_id = $1 AND status = 'open'", [connectionId]);
    return rows[0]!.n;
  }

  async resolve(id: string, status: Exclude<UnmatchedStatus, 'open'>, by: string, weddingIds: string[], at: number): Promise<void> {
    await this.pool.query('UPDATE unmatched SET status = $1, resolved_by = $2, wedding_ids = $3, updated_at = $4 WHERE id = $5', [status, by, JSON.stringify(weddingIds), at, id]);
  }

  async forget(connectionId: string, entity: string, externalId: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    await client.query("DELETE FROM unmatched WHERE connection_id = $1 AND entity = $2 AND external_id = $3 AND status IN ('open', 'ignored')",
      [connectionId, entity, opaqueText(externalId)]);
  }
}
