import { AdapterError, canPush, contentHash, project, type OutboundChange, type PushResult } from '../../adapters/core/index.ts';
import type { InboxWrites } from './inbox-store.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { LiveIntegration } from './integration-registry.ts';
import { gone, goneLink, type Link, type LinkRecords } from './link-store.ts';
import type { EntityPushPayload } from './outbound-planner.ts';
import type { OutboxRow } from './outbox-store.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

export interface PusherDeps {
  /** The links of the backend the outbox is on (sqliteLinkRecords or PostgresLinkStore). */
  links: LinkRecords;
  inbox: InboxWrites;
  now: () => number;
  /** The inbox has new rows for the wedding (what a push brought back). */
  kick(weddingId: string): void;
}

/**
 * Delivers one planned entity push (an outbox row) through the binding's adapter and records what
 * the external system now holds in the link row (per binding × entity: echo suppression and
 * idempotency keys are per connection and wedding). Throws what the adapter throws; the outbox
 * worker decides retries.
 */
export async function pushEntity(deps: PusherDeps, row: OutboxRow, live: LiveIntegration): Promise<{ status?: number | null; detail?: Record<string, unknown> }> {
  const { adapter, integration } = live;
  if (!canPush(adapter)) throw new AdapterError('unsupported', `${integration.system} does not push`);
  const { change, wedding } = JSON.parse(row.payload) as EntityPushPayload;
  const entity = change.entity;
  // The link row is what the system has now: an earlier push may have created the external
  // entity since this row was planned, or a deletion there detached it (externalId null: create).
  // One kept after our own deletion (gone) is no link: an upsert creates the object anew.
  const stored = await deps.links.get(integration.id, entity, change.entityId);
  const link = gone(stored) ? undefined : stored;
  if (link) {
    change.externalId = link.externalId;
    change.version = link.version;
  } else if (stored) {
    if (change.op === 'delete') return { detail: { skipped: 'already deleted externally' } };
    change.externalId = null;
    change.version = null;
  }
  change.base = link?.lastSynced ?? null;
  if (change.op === 'delete' && !change.externalId) {
    await deps.links.remove(integration.id, entity, change.entityId);
    return { detail: { skipped: 'never created externally' } };
  }
  const result = await adapter.push(change, { idempotencyKey: row.idempotencyKey, wedding, occurredAt: row.createdAt });
  if (change.op === 'delete') await forgetDeleted(deps, integration.id, change, link, result);
  else {
    const fields = ownValue(adapter.fields, entity) ?? [];
    const lastSynced = project(change.data ?? {}, fields);
    // Fields the system changed concurrently keep the base the link has now: the one read before the
    // push, unless the system's change was taken in while the push was on its way (the inbound
    // applier recorded the system's value then). Writing back the older one would make the system's
    // next change to that field look like a conflict with its own earlier value.
    const unwritten = result.unwritten ?? [];
    const now = unwritten.length ? (await deps.links.get(integration.id, entity, change.entityId)) ?? link : link;
    for (const f of unwritten) {
      if (now && Object.hasOwn(now.lastSynced, f)) setOwn(lastSynced, f, now.lastSynced[f]); else delete lastSynced[f];
    }
    // Fields left as the system has them are a change there not taken in yet. Until it is, the link
    // keeps the version this push was conditional on: the next push is refused (412) and merges
    // with the system's state again, instead of writing all of ours over that change with the
    // version this push got back.
    const pending = !!result.unwritten?.length && change.version !== null;
    await deps.links.save({
      integrationId: integration.id, entity, entityId: change.entityId, externalId: result.externalId ?? change.externalId,
      lastSynced, lastHash: result.unwritten?.length ? contentHash(entity, lastSynced) : row.contentHash, version: pending ? change.version : result.version ?? null,
      // The object as this push left it: a snapshot read before it and applied after it is older
      // and skipped (inbound-applier.ts), instead of taking back what the push wrote. A newer one
      // applied meanwhile stays: the link upsert never moves a snapshot back (link-store.ts).
      ...(result.position ? { snapshot: result.position } : {}),
    });
  }
  if (result.changes?.length) {
    // Keyed by the push's idempotency key: a retried push that succeeds twice brings them in once.
    const payload: ChangesPayload = { changes: result.changes };
    await deps.inbox.add({ integrationId: integration.id, weddingId: row.weddingId, eventId: `push_${row.idempotencyKey}`, kind: 'changes', payload: JSON.stringify(payload), receivedAt: deps.now() });
    deps.kick(row.weddingId);
  }
  return { detail: { externalId: result.externalId ?? change.externalId, ...(result.changes?.length ? { writeBack: result.changes.length } : {}) } };
}

/**
 * After a delete push: the link is kept as gone (link-store.ts), its snapshot the deletion's
 * position (the adapter's PushResult `position`, else just after the last snapshot the link knew),
 * so that a read of the object taken before the deletion and applied after it is skipped rather
 * than bringing the entity back. Without any position to order by, or when the system kept the
 * object (a refused conditional delete comes back as `refusedDelete`), the link is removed.
 */
async function forgetDeleted(deps: PusherDeps, integrationId: string, change: OutboundChange, link: Link | undefined, result: PushResult): Promise<void> {
  const kept = result.changes?.some((c) => c.op === 'upsert' && c.refusedDelete) ?? false;
  const tombstone = link && change.externalId ? goneLink({ ...link, externalId: change.externalId }, result.position) : null;
  if (kept || !tombstone?.snapshot) {
    await deps.links.remove(integrationId, change.entity, change.entityId);
    return;
  }
  await deps.links.save(tombstone);
}
