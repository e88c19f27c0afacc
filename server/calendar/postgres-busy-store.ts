import type pg from 'pg';
import { inTransaction } from '../storage/postgres/pool.ts';
import { storableText } from '../storage/storable-text.ts';
import { busyRows, toBlock, type BusyBlock, type BusyRecords, type BusyRefresh, type BusyRow } from './busy-blocks.ts';

/** BusyRecords on PostgreSQL (migration 021), shared by every instance: a read's rows replace the bindings' in one transaction. */
export class PostgresBusyStore implements BusyRecords {
  constructor(private readonly pool: pg.Pool) {}

  async lastRefresh(integrationId: string): Promise<BusyRefresh | undefined> {
    const { rows } = await this.pool.query<{ refreshed_at: number; error: string | null }>(
      'SELECT refreshed_at::double precision AS refreshed_at, error FROM calendar_busy_refresh WHERE integration_id = $1', [integrationId]);
    const r = rows[0];
    return r && { refreshedAt: r.refreshed_at, error: r.error };
  }

  async replace(bindings: ReadonlyArray<{ integrationId: string; vendorId: string }>, blocks: ReadonlyArray<Omit<BusyBlock, 'integrationId' | 'vendorId'>>, at: number): Promise<void> {
    const rows = busyRows(bindings, blocks);
    const ids = bindings.map((b) => b.integrationId);
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM calendar_busy WHERE integration_id = ANY($1::text[])', [ids]);
      if (rows.length > 0) {
        await client.query(`INSERT INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms, title)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])`,
        [rows.map((r) => r.integration_id), rows.map((r) => r.vendor_id), rows.map((r) => r.external_id), rows.map((r) => r.start_ms), rows.map((r) => r.end_ms), rows.map((r) => r.title)]);
      }
      await this.setRefresh(client, ids, at, null);
    });
  }

  async failed(integrationIds: readonly string[], at: number, error: string): Promise<void> {
    await this.setRefresh(this.pool, integrationIds, at, storableText(error));
  }

  async busyFor(vendorId: string, from: number, to: number): Promise<BusyBlock[]> {
    const { rows } = await this.pool.query<BusyRow>(`SELECT * FROM calendar_busy WHERE vendor_id = $1 AND end_ms > $2 AND start_ms < $3
      ORDER BY start_ms, integration_id COLLATE "C", external_id COLLATE "C"`, [vendorId, from, to]);
    return rows.map(toBlock);
  }

  private async setRefresh(client: pg.ClientBase | pg.Pool, ids: readonly string[], at: number, error: string | null): Promise<void> {
    if (ids.length === 0) return;
    await client.query(`INSERT INTO calendar_busy_refresh (integration_id, refreshed_at, error) SELECT id, $2, $3 FROM unnest($1::text[]) AS id
      ON CONFLICT (integration_id) DO UPDATE SET refreshed_at = excluded.refreshed_at, error = excluded.error`, [[...new Set(ids)], at, error]);
  }
}
