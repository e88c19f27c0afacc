import crypto from 'node:crypto';
import type * as Y from 'yjs';
import { WeddingDoc, clientOrigin, type CreateFromRecordBody, type UnmatchedSummary } from '../../schema/index.ts';
import { isKnownTimeZone } from '../../adapters/core/calendar-time.ts';
import { systemNameOf } from './system-name.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Logger } from '../logger.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import type { ConnectionsService } from './connections-service.ts';
import { assertReadable } from './connection-rows.ts';
import type { InboxWrites } from './inbox-store.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { UnmatchedRecord, UnmatchedRecords, UnmatchedStatus } from './unmatched-store.ts';

export interface UnmatchedQueueDeps {
  unmatched: UnmatchedRecords;
  store: IntegrationRecords;
  inbox: InboxWrites;
  connections: ConnectionsService;
  audit: AuditWriter;
  logger: Logger;
  now: () => number;
  /** Whether the principal may act for the workspace. */
  actsForWorkspace(p: Principal, workspaceId: string): Promise<boolean>;
  /** Records a new wedding of the workspace (the people store), created by `createdBy`. */
  registerWedding(input: { id: string; workspaceId: string; createdBy: string }): Promise<void>;
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  kick(weddingId: string): void;
  /** The record as the binding's wedding reads it (InboundRouter.prepare). */
  prepare(bindingId: string, change: UnmatchedRecord['change']): Promise<UnmatchedRecord['change']>;
}

/** A wedding made from a record and bound to the record's connection (createWedding, autoCreate). */
export interface WeddingFromRecord {
  weddingId: string;
  workspaceId: string;
  /** The connection the record came from, now bound to the wedding. */
  connectionId: string;
  /** The person it was made by (for autoCreate: whoever connected the connection). */
  createdBy: string;
}

/**
 * The workspace's unmatched queue (docs/connections.md): records of its connections that no
 * wedding claimed, with the matching rules' proposals. A person assigns one to weddings, creates a
 * wedding from it, or ignores it; a connection with `autoCreateWeddings` creates weddings from the
 * ones that name a couple and a date by itself.
 */
export class UnmatchedQueue {
  private readonly created = new Set<(w: WeddingFromRecord) => void | Promise<void>>();

  constructor(private readonly deps: UnmatchedQueueDeps) {}

  /**
   * Calls `listener` after each wedding made from a record is bound and has the record (e.g. to bind
   * the workspace's other connections to it). A listener that throws is logged; the wedding stays.
   * Returns the function that removes the listener.
   */
  onWeddingCreated(listener: (w: WeddingFromRecord) => void | Promise<void>): () => void {
    this.created.add(listener);
    return () => { this.created.delete(listener); };
  }

  private async announce(w: WeddingFromRecord): Promise<void> {
    for (const listener of this.created) {
      try {
        await listener(w);
      } catch (error) {
        this.deps.logger.warn({ err: error, weddingId: w.weddingId }, 'a listener of new weddings from records failed');
      }
    }
  }

  private async assertWorkspace(p: Principal, workspaceId: string | null): Promise<void> {
    if (workspaceId && (await this.deps.actsForWorkspace(p, workspaceId))) return;
    throw new BridgeError('unmatched_not_found', 'no such unmatched record');
  }

  private async open(p: Principal, id: string): Promise<UnmatchedRecord> {
    const record = await this.deps.unmatched.get(id);
    if (!record) throw new BridgeError('unmatched_not_found', `no unmatched record ${id}`);
    await this.assertWorkspace(p, record.workspaceId);
    if (record.status === 'assigned' || record.status === 'created') throw new BridgeError('unmatched_resolved', `record ${id} was already ${record.status} (weddings ${record.weddingIds.join(', ')})`);
    return record;
  }

  /** A workspace's queue, newest first. Throws AuthError-like `unmatched_not_found` (404) when `p` does not act for it. */
  async list(p: Principal, workspaceId: string, status: UnmatchedStatus | null): Promise<UnmatchedSummary[]> {
    if (!(await this.deps.actsForWorkspace(p, workspaceId))) throw new BridgeError('connection_not_found', 'no such workspace among those you act for');
    return Promise.all(groupByReference(await this.deps.unmatched.list(workspaceId, status)).map((group) => this.summary(group[0]!, group)));
  }

  /** One entry: `r` stands for `group` (the records of one external job, `r` first; `r` alone when not given). */
  async summary(r: UnmatchedRecord, group: UnmatchedRecord[] = [r]): Promise<UnmatchedSummary> {
    const data = r.change.data;
    const recordIds = group.map((g) => g.id);
    const { title, client } = entryTitle(r, group);
    const connection = await this.deps.store.connections.get(r.connectionId);
    const system = connection?.system ?? '';
    return {
      id: r.id, connectionId: r.connectionId, system, systemName: systemNameOf(system, connection?.configuration ?? {}), entity: r.entity, externalId: r.externalId,
      recordIds, suggestedTimeZone: await this.zoneFor(r),
      record: {
        title, client,
        date: r.change.hints?.date ?? null, venue: r.change.hints?.venue ?? '', timeZone: r.change.hints?.timeZone ?? null, data,
      },
      proposals: r.proposals, status: r.status, receivedAt: new Date(r.receivedAt).toISOString(), weddingIds: r.weddingIds,
    };
  }

  /** Sends the record to each wedding, binding the connection to the weddings not bound yet (with `p`'s rights there). */
  async assign(p: Principal, id: string, weddingIds: string[]): Promise<UnmatchedSummary> {
    const record = await this.open(p, id);
    for (const weddingId of weddingIds) {
      let binding = (await this.deps.store.listForConnection(record.connectionId)).find((b) => b.weddingId === weddingId);
      if (!binding) {
        const made = await this.deps.connections.bind(p, record.connectionId, { weddingId, configuration: {}, onUnbind: 'keep', claimsUnmatched: false, references: referencesOf(record) });
        binding = (await this.deps.store.get(made.bindingId))!;
      } else {
        // The rest of what the record belongs to (the CRM job's sessions, payments) follows it there.
        await this.deps.connections.addReferences(binding.id, referencesOf(record));
      }
      await this.deliver(record, binding.id, weddingId, { keepIdentity: true });
      this.deps.audit.record({ weddingId, integrationId: binding.id, actor: `user:${p.sub}`, action: 'unmatched.assigned', entity: record.entity, entityId: null, result: 'ok', detail: { recordId: id, externalId: record.externalId } });
    }
    await this.deps.unmatched.resolve(id, 'assigned', `user:${p.sub}`, weddingIds, this.deps.now());
    for (const weddingId of weddingIds) {
      const binding = (await this.deps.store.listForConnection(record.connectionId)).find((b) => b.weddingId === weddingId);
      if (binding) await this.followReferences(record, binding.id, weddingId, `user:${p.sub}`, { keepIdentity: true });
    }
    return this.summary((await this.deps.unmatched.get(id))!);
  }

  /**
   * Creates a wedding of the connection's workspace from the record (couple, date, venue, zone as it
   * says unless given), binds it and sends the record there. Throws BridgeError `connection_unreadable`
   * (409), before anything is written, when the connection's stored secrets do not open.
   */
  async createWedding(p: Principal, id: string, body: CreateFromRecordBody): Promise<{ weddingId: string; record: UnmatchedSummary }> {
    const record = await this.open(p, id);
    // Refused before the wedding is made: a connection whose secrets do not open cannot be bound.
    const connection = await this.deps.store.connections.get(record.connectionId);
    if (connection) assertReadable(connection);
    const weddingId = await this.makeWedding(record, body, p.sub);
    const binding = await this.deps.connections.bindNewWedding(record.connectionId, weddingId, p.sub, referencesOf(record));
    await this.deliver(record, binding.bindingId, weddingId);
    await this.deps.unmatched.resolve(id, 'created', `user:${p.sub}`, [weddingId], this.deps.now());
    this.deps.audit.record({ weddingId, integrationId: binding.bindingId, actor: `user:${p.sub}`, action: 'unmatched.created', entity: record.entity, entityId: null, result: 'ok', detail: { recordId: id, externalId: record.externalId } });
    await this.followReferences(record, binding.bindingId, weddingId, `user:${p.sub}`);
    await this.announce({ weddingId, workspaceId: record.workspaceId!, connectionId: record.connectionId, createdBy: p.sub });
    return { weddingId, record: await this.summary((await this.deps.unmatched.get(id))!) };
  }

  async ignore(p: Principal, id: string): Promise<UnmatchedSummary> {
    const record = await this.open(p, id);
    await this.deps.unmatched.resolve(id, 'ignored', `user:${p.sub}`, [], this.deps.now());
    // The rest of the job's records (its payments, sessions) go with it.
    for (const other of await this.deps.unmatched.openWithReference(record.connectionId, referencesOf(record))) {
      await this.deps.unmatched.resolve(other.id, 'ignored', `user:${p.sub}`, [], this.deps.now());
    }
    return this.summary((await this.deps.unmatched.get(record.id))!);
  }

  /**
   * For a connection with `autoCreateWeddings`: a new record that names a couple and a date becomes
   * a wedding of the workspace, acting with the rights of whoever connected it.
   */
  async autoCreate(recordId: string): Promise<void> {
    const record = await this.deps.unmatched.get(recordId);
    if (!record || record.status !== 'open' || !record.workspaceId) return;
    const connection = await this.deps.store.connections.get(record.connectionId);
    if (!connection?.autoCreateWeddings || connection.unreadable || !record.change.hints?.date || !record.change.hints.text?.trim()) return;
    // Never a wedding in a zone nobody chose: without one, a person creates it from the queue.
    if (!(await this.zoneFor(record))) return;
    const weddingId = await this.makeWedding(record, {}, connection.connector.sub);
    const made = await this.deps.connections.bindNewWedding(record.connectionId, weddingId, connection.connector.sub, referencesOf(record));
    await this.deliver(record, made.bindingId, weddingId);
    await this.deps.unmatched.resolve(recordId, 'created', `connection:${connection.id}`, [weddingId], this.deps.now());
    this.deps.audit.record({ weddingId, integrationId: made.bindingId, actor: `connection:${connection.id}`, action: 'unmatched.created', entity: record.entity, entityId: null, result: 'ok', detail: { recordId, externalId: record.externalId, automatic: true } });
    await this.followReferences(record, made.bindingId, weddingId, `connection:${connection.id}`);
    await this.announce({ weddingId, workspaceId: record.workspaceId, connectionId: record.connectionId, createdBy: connection.connector.sub });
  }

  private async makeWedding(record: UnmatchedRecord, body: CreateFromRecordBody, createdBy: string): Promise<string> {
    if (!record.workspaceId) throw new BridgeError('invalid_config', 'this connection belongs to no workspace: assign the record to a wedding instead');
    const hints = record.change.hints ?? {};
    const data = record.change.data;
    const title = body.title ?? (hints.text?.trim() || (typeof data.title === 'string' ? data.title : '') || 'New wedding');
    const timezone = body.timezone ?? await this.zoneFor(record);
    if (!timezone) throw new BridgeError('timezone_required', 'the record names no time zone and its connection has none: choose the wedding\'s time zone (timezone, e.g. "America/Los_Angeles")');
    const meta = {
      status: 'planning' as const, title: title.slice(0, 200), timezone,
      ...(body.date ?? hints.date ? { date: body.date ?? hints.date } : {}),
      ...(body.venue ?? hints.venue ? { venue: (body.venue ?? hints.venue ?? '').slice(0, 300) } : {}),
    };
    const weddingId = `wed_${crypto.randomBytes(12).toString('base64url')}`;
    await this.deps.registerWedding({ id: weddingId, workspaceId: record.workspaceId, createdBy });
    await this.deps.withDocument(weddingId, (doc) => new WeddingDoc(doc).setMeta(meta, clientOrigin(createdBy)));
    return weddingId;
  }

  /** The zone a wedding made from `record` gets unless told: the record's, else its connection's `configuration.timeZone`; null when neither is a known zone. */
  private async zoneFor(record: UnmatchedRecord): Promise<string | null> {
    const fromRecord = record.change.hints?.timeZone;
    if (fromRecord && isKnownTimeZone(fromRecord)) return fromRecord;
    const fromConnection = (await this.deps.store.connections.get(record.connectionId))?.configuration.timeZone;
    return typeof fromConnection === 'string' && isKnownTimeZone(fromConnection) ? fromConnection : null;
  }

  /**
   * The record's wedding now holds its reference (a CRM job id): the connection's other open
   * records naming it (the job's guest count, sessions, payments that came before the wedding
   * existed) go there too, as if assigned by `actor`.
   */
  private async followReferences(record: UnmatchedRecord, bindingId: string, weddingId: string, actor: string, how: Delivery = {}): Promise<void> {
    for (const other of await this.deps.unmatched.openWithReference(record.connectionId, referencesOf(record))) {
      await this.deliver(other, bindingId, weddingId, how);
      await this.deps.unmatched.resolve(other.id, 'assigned', actor, [weddingId], this.deps.now());
      this.deps.audit.record({ weddingId, integrationId: bindingId, actor, action: 'unmatched.assigned', entity: other.entity, entityId: null, result: 'ok', detail: { recordId: other.id, externalId: other.externalId, reference: other.change.reference } });
    }
  }

  /**
   * Stores the record for the binding (applied by the inbox worker with the binding's rights).
   * `keepIdentity`: the wedding existed before the record (assign), so its title, date, venue and
   * zone stay and a record that differs leaves pending conflicts (inbound-applier.ts).
   */
  private async deliver(record: UnmatchedRecord, bindingId: string, weddingId: string, how: Delivery = {}): Promise<void> {
    const payload: ChangesPayload = { changes: [await this.deps.prepare(bindingId, record.change)], ...(how.keepIdentity ? { keepIdentity: true } : {}) };
    await this.deps.inbox.add({ integrationId: bindingId, weddingId, eventId: `unmatched_${record.id}_${record.updatedAt}`, kind: 'changes', payload: JSON.stringify(payload), receivedAt: this.deps.now() });
    this.deps.kick(weddingId);
  }
}

/**
 * An entry's name: the project or inquiry name where one of its records has one (the job's meta
 * title: a HoneyBook export's "Project Name"), else the record's routing text (the client's or
 * couple's names), title or description; with the client's names beside it when they differ.
 */
function entryTitle(r: UnmatchedRecord, group: UnmatchedRecord[]): { title: string; client: string } {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const named = [r, ...group].find((g) => g.change.entity === 'meta' && text(g.change.data.title));
  const client = text(r.change.hints?.text) || text(named?.change.hints?.text);
  const title = text(named?.change.data.title) || client || text(r.change.data.title) || text(r.change.data.description);
  // Routing text that repeats the name ("Maria & Tom wedding (Maria Rossi)") adds only the rest.
  const rest = title && client.includes(title) ? client.replace(title, '').trim().replace(/^\((.*)\)$/, '$1').trim() : client;
  return { title, client: rest && rest !== title ? rest : '' };
}

/** How a record is delivered to a wedding. */
interface Delivery {
  /** The wedding existed before the record: its identity fields stay (ChangesPayload.keepIdentity). */
  keepIdentity?: boolean;
}

/** The external system's id the record belongs to (a CRM job): the wedding it goes to takes it as a reference. */
function referencesOf(record: UnmatchedRecord): string[] {
  return record.change.reference ? [record.change.reference] : [];
}

/**
 * Open records of one connection that name the same reference (a CRM job's meta, payments,
 * sessions) become one entry, represented by the one that reads best (a title and a date first);
 * records without a reference stay alone. Keeps the list's order (newest first) by each group's first.
 */
function groupByReference(records: UnmatchedRecord[]): UnmatchedRecord[][] {
  const groups = new Map<string, UnmatchedRecord[]>();
  for (const r of records) {
    const key = r.status === 'open' && r.change.reference ? `${r.connectionId}\0${r.change.reference}` : `\0${r.id}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  // The job's own record (meta: the booking or project itself) stands for it whenever the group has
  // one, then the record that tells most; ties go to the earliest received, so the entry is the same
  // whatever order the records arrived or are listed in.
  const score = (r: UnmatchedRecord) => (r.entity === 'meta' ? 4 : 0) + (r.change.hints?.text?.trim() ? 2 : 0) + (r.change.hints?.date ? 1 : 0);
  const better = (a: UnmatchedRecord, b: UnmatchedRecord) => score(b) > score(a) || (score(b) === score(a) && (b.receivedAt < a.receivedAt || (b.receivedAt === a.receivedAt && b.id < a.id)));
  return [...groups.values()].map((g) => {
    const best = g.reduce((a, b) => (better(a, b) ? b : a));
    return [best, ...g.filter((r) => r !== best)];
  });
}
