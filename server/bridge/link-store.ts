import type { Db } from '../storage/database.ts';

/** What we last know the external system holds for one of our entities. */
export interface Link {
  integrationId: string;
  entity: string;
  entityId: string;
  externalId: string | null;
  /** The synced fields' values (normalized) as the external system has them, as far as we know. */
  lastSynced: Record<string, unknown>;
  lastHash: string;
  version: string | null;
  /** When the row was last written (ISO 8601, wall clock); read-only. */
  updatedAt?: string;
}

interface Row { integration_id: string; entity: string; entity_id: string; external_id: string | null; last_synced: string; last_hash: string; version: string | null; updated_at: string }

const toLink = (r: Row): Link => ({
  integrationId: r.integration_id, entity: r.entity, entityId: r.entity_id, externalId: r.external_id,
  lastSynced: JSON.parse(r.last_synced) as Record<string, unknown>, lastHash: r.last_hash, version: r.version, updatedAt: r.updated_at,
});

export class LinkStore {
  private readonly byEntity;
  private readonly byExternal;
  private readonly upsertRow;
  private readonly deleteRow;
  private readonly allFor;

  constructor(db: Db) {
    this.byEntity = db.prepare('SELECT * FROM links WHERE integration_id = ? AND entity = ? AND entity_id = ?');
    this.byExternal = db.prepare('SELECT * FROM links WHERE integration_id = ? AND entity = ? AND external_id = ?');
    this.upsertRow = db.prepare(`INSERT INTO links (integration_id, entity, entity_id, external_id, last_synced, last_hash, version, updated_at)
      VALUES (@integration_id, @entity, @entity_id, @external_id, @last_synced, @last_hash, @version, @updated_at)
      ON CONFLICT (integration_id, entity, entity_id) DO UPDATE SET external_id = excluded.external_id, last_synced = excluded.last_synced,
      last_hash = excluded.last_hash, version = excluded.version, updated_at = excluded.updated_at`);
    this.deleteRow = db.prepare('DELETE FROM links WHERE integration_id = ? AND entity = ? AND entity_id = ?');
    this.allFor = db.prepare('SELECT * FROM links WHERE integration_id = ? AND entity = ?');
  }

  get(integrationId: string, entity: string, entityId: string): Link | undefined {
    const r = this.byEntity.get(integrationId, entity, entityId) as Row | undefined;
    return r ? toLink(r) : undefined;
  }

  byExternalId(integrationId: string, entity: string, externalId: string): Link | undefined {
    const r = this.byExternal.get(integrationId, entity, externalId) as Row | undefined;
    return r ? toLink(r) : undefined;
  }

  listFor(integrationId: string, entity: string): Link[] {
    return (this.allFor.all(integrationId, entity) as Row[]).map(toLink);
  }

  save(link: Link): void {
    this.upsertRow.run({
      integration_id: link.integrationId, entity: link.entity, entity_id: link.entityId, external_id: link.externalId,
      last_synced: JSON.stringify(link.lastSynced), last_hash: link.lastHash, version: link.version, updated_at: new Date().toISOString(),
    });
  }

  remove(integrationId: string, entity: string, entityId: string): void {
    this.deleteRow.run(integrationId, entity, entityId);
  }
}
