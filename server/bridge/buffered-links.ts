import type pg from 'pg';
import { olderSnapshot } from '../../adapters/core/index.ts';
import { gone, linkRow, storedKey, toLink, type Link, type LinkRow, type LinkStore } from './link-store.ts';
import type { PostgresLinkStore } from './postgres-link-store.ts';

/** What the inbound applier reads and writes of links, synchronously (inside the document's Yjs transaction). */
export type LinkAccess = Pick<LinkStore, 'get' | 'byExternalId' | 'listFor' | 'save' | 'remove' | 'forget'>;

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
  private readonly pending: ({ op: 'save'; link: Link } | { op: 'remove' | 'forget'; integrationId: string; entity: string; entityId: string })[] = [];

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

  /** LinkStore.forget: the row goes only if it is still gone when the writes are made. */
  forget(integrationId: string, entity: string, entityId: string): void {
    this.check(integrationId, entity);
    const k = key(integrationId, entity, entityId);
    if (gone(this.rows.get(k))) this.rows.delete(k);
    this.pending.push({ op: 'forget', integrationId, entity, entityId });
  }

  /** Makes the writes kept since the load, in order, on `client` (again in full if run again after a rollback). */
  async flush(client: pg.ClientBase): Promise<void> {
    await BufferedLinks.flushAll(client, [this]);
  }

  /**
   * `flush` of several buffers, in order (the inbox slices of a group, each a wedding's): their first
   * runs of saves in one statement, then their second runs, and so on. No row is in two buffers of
   * different bindings, so the statements change each row as the buffers' own would, in each
   * buffer's order; buffers sharing a binding are flushed one after the other.
   */
  static async flushAll(client: pg.ClientBase, buffers: readonly BufferedLinks[]): Promise<void> {
    const bindings = buffers.flatMap((b) => [...new Set([...b.loaded].map((k) => k.split('\u0000')[0]!))]);
    if (new Set(bindings).size < bindings.length) {
      // Two buffers of one binding (not what a group's slices are): each in full, in order.
      for (const b of buffers) await BufferedLinks.flushAll(client, [b]);
      return;
    }
    const steps = buffers.map((b) => b.steps());
    const store = buffers[0]?.store;
    for (let i = 0; store && steps.some((list) => i < list.length); i++) {
      const saves: Link[] = [];
      for (const list of steps) {
        const step = list[i];
        if (!step) continue;
        if ('saves' in step) saves.push(...step.saves);
        else if (step.onlyGone) await store.forget(step.integrationId, step.entity, step.entityId, client);
        else await store.remove(step.integrationId, step.entity, step.entityId, client);
      }
      await store.saveAll(saves, client);
    }
  }

  /**
   * The writes as statements: runs of saves (one statement may not change a row twice) and removes,
   * in order. A later save of a row already in the run, naming the same external object, takes its
   * place: written alone after it, it would leave the same row (its fields replace the earlier's,
   * and the snapshot kept is the newer of the two, as the upsert keeps it: link-store.ts
   * keepSnapshot). A save that names another external object, or one another row of the run holds,
   * starts the next run.
   */
  private steps(): ({ saves: Link[] } | { integrationId: string; entity: string; entityId: string; onlyGone: boolean })[] {
    const steps: ({ saves: Link[] } | { integrationId: string; entity: string; entityId: string; onlyGone: boolean })[] = [];
    let run: Link[] = [];
    const byKey = new Map<string, { at: number; external: string | null }>();
    const externals = new Set<string>();
    const endRun = () => {
      if (run.length > 0) steps.push({ saves: run });
      run = [];
      byKey.clear();
      externals.clear();
    };
    for (const p of this.pending) {
      if (p.op !== 'save') {
        endRun();
        steps.push({ integrationId: p.integrationId, entity: p.entity, entityId: p.entityId, onlyGone: p.op === 'forget' });
        continue;
      }
      // As stored (linkRow normalizes the ids), so two ids stored alike are one row.
      const row = linkRow(p.link, '');
      const key = JSON.stringify([row.integration_id, row.entity, row.entity_id]);
      const external = row.external_id === null ? null : JSON.stringify([row.integration_id, row.entity, '', row.external_id]);
      const earlier = byKey.get(key);
      if (earlier && earlier.external === external) {
        const before = run[earlier.at]!;
        const snapshot = !before.snapshot ? p.link.snapshot : !p.link.snapshot || olderSnapshot(p.link.snapshot, before.snapshot) ? before.snapshot : p.link.snapshot;
        run[earlier.at] = { ...p.link, snapshot: snapshot ?? null };
        continue;
      }
      if (earlier || (external !== null && externals.has(external))) endRun();
      byKey.set(key, { at: run.length, external });
      run.push(p.link);
      if (external !== null) externals.add(external);
    }
    endRun();
    return steps;
  }
}
