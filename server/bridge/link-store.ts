import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import type { SnapshotOrder } from '../../adapters/core/types.ts';

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
  /**
   * The newest snapshot of the external object applied so far (InboundChange `position`): an
   * older one is skipped. Null until a positioned snapshot is applied. A save without one (absent
   * or null) for the same external object keeps the stored one: a push does not know it.
   */
  snapshot?: SnapshotOrder | null;
  /** When the row was last written (ISO 8601, wall clock); read-only. */
  updatedAt?: string;
}

/**
 * `lastHash` of a deletion: a draft of an entity gone from the wedding (outbound-planner.ts), and a
 * link kept after our deletion of its external object (gone()).
 */
export const DELETED_HASH = 'deleted';

/**
 * A link kept after a push deleted its external object, with the deletion's position as its
 * snapshot (pusher.ts), so that a read of the object taken before the deletion and applied after
 * it is skipped instead of bringing the entity back. It stands for no link to every writer: a push
 * of the entity creates it anew, a deletion has nothing to delete. The deletion's own echo (or a
 * full read's absence) removes it (inbound-applier.ts).
 */
export const gone = (link: Link | undefined): boolean => link !== undefined && link.lastHash === DELETED_HASH;

/**
 * `link` kept as gone after its object was deleted, at `position` (the deletion's, PushResult
 * `position`), else just after the last snapshot it knew, else with none (then it orders nothing,
 * but the deletion read back is still known for ours).
 */
export function goneLink(link: Link, position: SnapshotOrder | undefined): Link {
  const snapshot = position ?? (link.snapshot ? { at: link.snapshot.at, rank: link.snapshot.rank + 1 } : null);
  return { ...link, lastSynced: {}, lastHash: DELETED_HASH, version: null, snapshot };
}

/** A stored link row, as both backends give it. */
export interface LinkRow {
  integration_id: string; entity: string; entity_id: string; external_id: string | null; last_synced: string; last_hash: string; version: string | null; updated_at: string;
  /** SnapshotOrder as JSON text. */
  snapshot: string | null;
}

export const toLink = (r: LinkRow): Link => ({
  integrationId: r.integration_id, entity: r.entity, entityId: openedText(r.entity_id), externalId: r.external_id === null ? null : openedText(r.external_id),
  lastSynced: JSON.parse(r.last_synced) as Record<string, unknown>, lastHash: r.last_hash, version: r.version === null ? null : openedText(r.version), updatedAt: r.updated_at,
  snapshot: r.snapshot ? JSON.parse(r.snapshot) as SnapshotOrder : null,
});

/**
 * The row a link is stored as on either backend. The ids and the version come from documents and
 * external systems and go back to them, so they are stored exactly, in a form both engines can
 * hold (opaqueText: one holding U+0000 or a lone surrogate is encoded, every other is itself);
 * lookups encode their keys the same way. `last_synced` is JSON text (which escapes both itself).
 */
export function linkRow(link: Link, updatedAt: string): LinkRow {
  return {
    integration_id: link.integrationId, entity: link.entity, entity_id: opaqueText(link.entityId),
    external_id: link.externalId === null ? null : opaqueText(link.externalId),
    last_synced: JSON.stringify(link.lastSynced), last_hash: link.lastHash, version: link.version === null ? null : opaqueText(link.version), updated_at: updatedAt,
    snapshot: link.snapshot ? JSON.stringify(link.snapshot) : null,
  };
}

/**
 * The upsert's snapshot column, in the engine's JSON functions (`field` gives one number of a side's
 * SnapshotOrder): while the link names the same external object, the stored snapshot is replaced
 * only by a newer one (`at`, then `rank`, then `progress`), and a save without one keeps it (the
 * pusher saves what it pushed, and an inbound change or a push of another instance may have
 * recorded a newer snapshot since either read the link); a new external object starts afresh.
 */
function keepSnapshot(field: (side: 'excluded' | 'links', key: 'at' | 'rank' | 'progress') => string): string {
  const order = (side: 'excluded' | 'links') => `(${field(side, 'at')}, ${field(side, 'rank')}, COALESCE(${field(side, 'progress')}, 0))`;
  return `snapshot = CASE WHEN excluded.external_id IS DISTINCT FROM links.external_id THEN excluded.snapshot
    WHEN excluded.snapshot IS NULL THEN links.snapshot
    WHEN links.snapshot IS NOT NULL AND ${order('excluded')} < ${order('links')} THEN links.snapshot
    ELSE excluded.snapshot END`;
}

/** keepSnapshot on SQLite (JSON text read with json_extract). */
export const KEEP_SNAPSHOT_SQLITE = keepSnapshot((side, key) => `json_extract(${side}.snapshot, '$.${key}')`);
/** keepSnapshot on PostgreSQL (the TEXT column read as jsonb). */
export const KEEP_SNAPSHOT_POSTGRES = keepSnapshot((side, key) => `(${side}.snapshot::jsonb->>'${key}')::float8`);

/** A lookup key as it is stored (see linkRow). */
export const storedKey = opaqueText;

/**
 * Link rows on either backend (schema/migrations/002_integrations.sql; on PostgreSQL
 * postgres/018_links.sql): sqliteLinkRecords over the embedded database, PostgresLinkStore over
 * PostgreSQL, with one contract (tests/bridge/link-store-backends.test.ts). Listings are ordered by
 * entity id, by code point. `save` rejects when another entity of the binding already holds the
 * external id (the unique index), as on SQLite.
 */
export interface LinkRecords {
  get(integrationId: string, entity: string, entityId: string): Promise<Link | undefined>;
  byExternalId(integrationId: string, entity: string, externalId: string): Promise<Link | undefined>;
  listFor(integrationId: string, entity: string): Promise<Link[]>;
  save(link: Link): Promise<void>;
  remove(integrationId: string, entity: string, entityId: string): Promise<void>;
  /** Removes the link only while it is gone (kept after our deletion): a live one saved since stays. */
  forget(integrationId: string, entity: string, entityId: string): Promise<void>;
}

/**
 * Links on the embedded SQLite database, read and written synchronously: the server's bridge reads
 * them inside document transactions (the outbound planner, the inbound applier). sqliteLinkRecords
 * gives the asynchronous contract over it.
 */
export class LinkStore {
  private readonly byEntity;
  private readonly byExternal;
  private readonly upsertRow;
  private readonly deleteRow;
  private readonly deleteGone;
  private readonly allFor;

  constructor(db: Db) {
    this.byEntity = db.prepare('SELECT * FROM links WHERE integration_id = ? AND entity = ? AND entity_id = ?');
    this.byExternal = db.prepare('SELECT * FROM links WHERE integration_id = ? AND entity = ? AND external_id = ?');
    this.upsertRow = db.prepare(`INSERT INTO links (integration_id, entity, entity_id, external_id, last_synced, last_hash, version, updated_at, snapshot)
      VALUES (@integration_id, @entity, @entity_id, @external_id, @last_synced, @last_hash, @version, @updated_at, @snapshot)
      ON CONFLICT (integration_id, entity, entity_id) DO UPDATE SET external_id = excluded.external_id, last_synced = excluded.last_synced,
      last_hash = excluded.last_hash, version = excluded.version, updated_at = excluded.updated_at, ${KEEP_SNAPSHOT_SQLITE}`);
    this.deleteRow = db.prepare('DELETE FROM links WHERE integration_id = ? AND entity = ? AND entity_id = ?');
    this.deleteGone = db.prepare(`DELETE FROM links WHERE integration_id = ? AND entity = ? AND entity_id = ? AND last_hash = '${DELETED_HASH}'`);
    this.allFor = db.prepare('SELECT * FROM links WHERE integration_id = ? AND entity = ? ORDER BY entity_id');
  }

  // A key that needs encoding is also looked up as it is: rows stored before keys were encoded.
  get(integrationId: string, entity: string, entityId: string): Link | undefined {
    const key = storedKey(entityId);
    const r = (this.byEntity.get(integrationId, entity, key) ?? (key === entityId ? undefined : this.byEntity.get(integrationId, entity, entityId))) as LinkRow | undefined;
    return r ? toLink(r) : undefined;
  }

  byExternalId(integrationId: string, entity: string, externalId: string): Link | undefined {
    const key = storedKey(externalId);
    const r = (this.byExternal.get(integrationId, entity, key) ?? (key === externalId ? undefined : this.byExternal.get(integrationId, entity, externalId))) as LinkRow | undefined;
    return r ? toLink(r) : undefined;
  }

  listFor(integrationId: string, entity: string): Link[] {
    return (this.allFor.all(integrationId, entity) as LinkRow[]).map(toLink);
  }

  save(link: Link): void {
    this.upsertRow.run(linkRow(link, new Date().toISOString()));
  }

  remove(integrationId: string, entity: string, entityId: string): void {
    this.deleteRow.run(integrationId, entity, storedKey(entityId));
    if (storedKey(entityId) !== entityId) this.deleteRow.run(integrationId, entity, entityId);
  }

  /** Removes the link only while it is gone (kept after our deletion): a live one saved since stays. */
  forget(integrationId: string, entity: string, entityId: string): void {
    this.deleteGone.run(integrationId, entity, storedKey(entityId));
  }
}

/** The asynchronous contract (LinkRecords) over a SQLite LinkStore. */
export function sqliteLinkRecords(links: LinkStore): LinkRecords {
  return resolving(links, ['get', 'byExternalId', 'listFor', 'save', 'remove', 'forget'] as const);
}
