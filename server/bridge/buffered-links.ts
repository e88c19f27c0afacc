import type pg from 'pg';
import { linkRow, storedKey, toLink, type Link, type LinkRow, type LinkStore } from './link-store.ts';
import type { PostgresLinkStore } from './postgres-link-store.ts';

/** What the inbound applier reads and writes of links, synchronously (inside the document's Yjs transaction). */
export type LinkAccess = Pick<LinkStore, 'get' | 'byExternalId' | 'listFor' | 'save' | 'remove'>;

const key = (integrationId: string, entity: string, entityId: string) => `${integrationId}\u0000${entity}\u0000${entityId}`;

/**
 * Links of some bindings and entities read from PostgreSQL beforehand, for code that reads and
 * writes them synchronously (the inbound applier runs inside a Yjs transaction): reads see the
 * writes made since, and the writes are kept, in order, until `flush` makes them on a transaction's
 * client (a joined write of the change they go with, DurablePersistence.changeWithWrites). Only the
 * loaded (binding, entity) pairs may be read or written; others throw (a missing prefetch is a bug,
 * not an absent link). A save giving an external id another entity of the binding holds throws, as
 * the unique index would on SQLite.
 */
export class BufferedLinks implements LinkAccess {
  private readonly rows = new Map<string, Link>();
  private readonly loaded = new Set<string>();
  private readonly pending: ({ op: 'save'; link: Link } | { op: 'remove'; integrationId: string; entity: string; entityId: string })[] = [];

  private constructor(private readonly store: PostgresLinkStore) {}

  /** Reads every link of `integrationIds` × `entities` (one query). */
  static async load(store: PostgresLinkStore, integrationIds: readonly string[], entities: readonly string[]): Promise<BufferedLinks> {
    const buffered = new BufferedLinks(store);
    for (const link of await store.listForAll(integrationIds, entities)) buffered.rows.set(key(link.integrationId, link.entity, link.entityId), link);
    for (const integrationId of integrationIds) for (const entity of entities) buffered.loaded.add(`${integrationId}\u0000${entity}`);
    return buffered;
  }

  private check(integrationId: string, entity: string): void {
    if (!this.loaded.has(`${integrationId}\u0000${entity}`)) throw new Error(`links of ${integrationId} for ${entity} were not loaded`);
  }

  get(integrationId: string, entity: string, entityId: string): Link | undefined {
    this.check(integrationId, entity);
    return this.rows.get(key(integrationId, entity, entityId));
  }

  byExternalId(integrationId: string, entity: string, externalId: string): Link | undefined {
    this.check(integrationId, entity);
    for (const link of this.rows.values()) if (link.integrationId === integrationId && link.entity === entity && link.externalId === externalId) return link;
    return undefined;
  }

  listFor(integrationId: string, entity: string): Link[] {
    this.check(integrationId, entity);
    return [...this.rows.values()].filter((l) => l.integrationId === integrationId && l.entity === entity)
      .sort((a, b) => Buffer.compare(Buffer.from(storedKey(a.entityId)), Buffer.from(storedKey(b.entityId))));
  }

  save(link: Link): void {
    this.check(link.integrationId, link.entity);
    // As both backends would read it back.
    const stored = toLink(linkRow(link, new Date().toISOString()) as LinkRow);
    const holder = stored.externalId === null ? undefined : this.byExternalId(link.integrationId, link.entity, stored.externalId);
    if (holder && holder.entityId !== stored.entityId) throw new Error(`external id ${stored.externalId} of ${link.entity} is linked to ${holder.entityId} already`);
    this.rows.set(key(link.integrationId, link.entity, link.entityId), stored);
    this.pending.push({ op: 'save', link });
  }

  remove(integrationId: string, entity: string, entityId: string): void {
    this.check(integrationId, entity);
    this.rows.delete(key(integrationId, entity, entityId));
    this.pending.push({ op: 'remove', integrationId, entity, entityId });
  }

  /** Makes the writes kept since the load, in order, on `client` (again in full if run again after a rollback). */
  async flush(client: pg.ClientBase): Promise<void> {
    // Runs of saves go in one statement each, in order; a save whose key or external id is already
    // in the run starts the next run (one statement may not change a row twice).
    let run: Link[] = [];
    const keys = new Set<string>();
    const flushRun = async () => {
      await this.store.saveAll(run, client);
      run = [];
      keys.clear();
    };
    for (const p of this.pending) {
      if (p.op === 'remove') {
        await flushRun();
        await this.store.remove(p.integrationId, p.entity, p.entityId, client);
        continue;
      }
      // As stored (linkRow normalizes the ids), so two ids stored alike are one row.
      const row = linkRow(p.link, '');
      const key = JSON.stringify([row.integration_id, row.entity, row.entity_id]);
      const external = row.external_id === null ? null : JSON.stringify([row.integration_id, row.entity, '', row.external_id]);
      if (keys.has(key) || (external !== null && keys.has(external))) await flushRun();
      run.push(p.link);
      keys.add(key);
      if (external !== null) keys.add(external);
    }
    await flushRun();
  }
}
