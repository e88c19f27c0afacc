import type pg from 'pg';
import { DELETED_HASH, KEEP_SNAPSHOT_POSTGRES, linkRow, storedKey, toLink, type Link, type LinkRecords, type LinkRow } from './link-store.ts';

/**
 * Links on PostgreSQL (schema/migrations/postgres/018_links.sql), shared by every instance: the
 * contract of LinkRecords, as SQLite keeps it. `get`, `save` and `remove` take an open transaction's
 * client when given, so the outbound planner reads a link inside the append that commits the change
 * behind a push (a joined write, outbound-planner.ts), and run on the pool otherwise. Statements
 * reject with the pg error (`23505` when another entity of the binding holds the external id).
 */
export class PostgresLinkStore implements LinkRecords {
  constructor(private readonly pool: pg.Pool) {}

  async get(integrationId: string, entity: string, entityId: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<Link | undefined> {
    const { rows } = await client.query<LinkRow>('SELECT * FROM links WHERE integration_id = $1 AND entity = $2 AND entity_id = $3',
      [integrationId, entity, storedKey(entityId)]);
    return rows[0] ? toLink(rows[0]) : undefined;
  }

  async byExternalId(integrationId: string, entity: string, externalId: string): Promise<Link | undefined> {
    const { rows } = await this.pool.query<LinkRow>('SELECT * FROM links WHERE integration_id = $1 AND entity = $2 AND external_id = $3',
      [integrationId, entity, storedKey(externalId)]);
    return rows[0] ? toLink(rows[0]) : undefined;
  }

  async listFor(integrationId: string, entity: string): Promise<Link[]> {
    const { rows } = await this.pool.query<LinkRow>('SELECT * FROM links WHERE integration_id = $1 AND entity = $2 ORDER BY entity_id COLLATE "C"', [integrationId, entity]);
    return rows.map(toLink);
  }

  /** Every link of `integrationIds` × `entities`, in one query (what a batch of inbound rows may read). */
  async listForAll(integrationIds: readonly string[], entities: readonly string[]): Promise<Link[]> {
    if (integrationIds.length === 0 || entities.length === 0) return [];
    const { rows } = await this.pool.query<LinkRow>('SELECT * FROM links WHERE integration_id = ANY($1::text[]) AND entity = ANY($2::text[])', [[...integrationIds], [...entities]]);
    return rows.map(toLink);
  }

  async save(link: Link, client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    const r = linkRow(link, new Date().toISOString());
    await client.query(`INSERT INTO links (integration_id, entity, entity_id, external_id, last_synced, last_hash, version, updated_at, snapshot)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      ON CONFLICT (integration_id, entity, entity_id) DO UPDATE SET external_id = excluded.external_id, last_synced = excluded.last_synced,
      last_hash = excluded.last_hash, version = excluded.version, updated_at = excluded.updated_at, ${KEEP_SNAPSHOT_POSTGRES}`,
    [r.integration_id, r.entity, r.entity_id, r.external_id, r.last_synced, r.last_hash, r.version, r.updated_at, r.snapshot]);
  }

  /**
   * Saves `links` in one statement, as `save` would one after another. The caller passes links of
   * distinct keys and distinct external ids (a multi-row upsert may not touch a row twice).
   */
  async saveAll(links: readonly Link[], client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    if (links.length === 0) return;
    if (links.length === 1) return this.save(links[0]!, client);
    const at = new Date().toISOString();
    const rows = links.map((l) => linkRow(l, at));
    const col = <K extends keyof LinkRow>(k: K) => rows.map((r) => r[k]);
    await client.query(`INSERT INTO links (integration_id, entity, entity_id, external_id, last_synced, last_hash, version, updated_at, snapshot)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
      ON CONFLICT (integration_id, entity, entity_id) DO UPDATE SET external_id = excluded.external_id, last_synced = excluded.last_synced,
      last_hash = excluded.last_hash, version = excluded.version, updated_at = excluded.updated_at, ${KEEP_SNAPSHOT_POSTGRES}`,
    [col('integration_id'), col('entity'), col('entity_id'), col('external_id'), col('last_synced'), col('last_hash'), col('version'), col('updated_at'), col('snapshot')]);
  }

  async remove(integrationId: string, entity: string, entityId: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    await client.query('DELETE FROM links WHERE integration_id = $1 AND entity = $2 AND entity_id = $3', [integrationId, entity, storedKey(entityId)]);
  }

  /** LinkStore.forget: removes the link only while it is gone (a live one saved since, by a push of another transaction, stays). */
  async forget(integrationId: string, entity: string, entityId: string, client: pg.ClientBase | pg.Pool = this.pool): Promise<void> {
    await client.query('DELETE FROM links WHERE integration_id = $1 AND entity = $2 AND entity_id = $3 AND last_hash = $4', [integrationId, entity, storedKey(entityId), DELETED_HASH]);
  }
}
