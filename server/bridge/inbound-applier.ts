import crypto from 'node:crypto';
import {
  EntityId, SchemaError, WeddingDoc, adapterOrigin, deliveryKey,
  type Conflict, type ConflictStrategies, type TxOrigin,
} from '../../schema/index.ts';
import {
  AdapterError, SINGLETON_ID, contentHash, olderSnapshot, project, sameField,
  type InboundChange, type SnapshotOrder, type SyncEntity,
} from '../../adapters/core/index.ts';
import { deleteEntity, readEntity, validateEntityPatch, writeEntity } from './entity-access.ts';
import { judgeAlert, judgeEntityChange, judgeRecipientChange, type Connector, type InboundJudgement, type InboundRefusal } from '../auth/inbound-rights.ts';
import type { LinkAccess } from './buffered-links.ts';
import { gone, type Link } from './link-store.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

type Strategy = Conflict['strategy'];

/**
 * The words of a new payment held because no vendor is known (after the system's name): parked
 * inbox rows whose error carries them are what a connection's health lists under `vendorNeeded`.
 */
export const VENDOR_NEEDED = 'payments need to know which vendor they are for';

export interface InboundContext {
  weddingId: string;
  integrationId: string;
  system: string;
  /** The connection as people know it ("HoneyBook", server/bridge/system-name.ts), for reasons shown to them. @default system */
  systemName?: string;
  /** The fields the adapter syncs, per entity. */
  fields: Partial<Record<SyncEntity, readonly string[]>>;
  strategies: ConflictStrategies;
  /** Read before and written inside the Yjs transaction (a LinkStore on SQLite, BufferedLinks on PostgreSQL). */
  links: LinkAccess;
  now: () => number;
  /** Who connected the integration: every change is judged against their rights (server/auth/inbound-rights.ts). */
  connector: Connector;
  /**
   * Sends an `alert` change (server/comms/weather-alert.ts) after the batch's own Yjs transaction,
   * in a transaction of its own (its origin is the server's, so its sends are planned) but in the
   * same storage transaction: the message id it wrote, or null with the reason nobody was alerted.
   * Absent: alerts are skipped.
   */
  raiseAlert?: AlertHandler;
  /**
   * The vendor entry the binding acts for (Integration.vendorId), or null: a record the wedding
   * does not hold yet that names no vendor of ours is that vendor's (a new timeline event is
   * assigned to it, a new payment is its). Records the wedding holds keep what they say.
   */
  vendorId?: string | null;
  /**
   * The changes come to a wedding that existed before them (a person assigned an unmatched record
   * to it, server/bridge/unmatched-queue.ts, or the matching rules routed it there,
   * inbound-router.ts): the wedding's own identity fields (`IDENTITY_FIELDS`) that have a value are
   * kept, and where the record says otherwise a pending `manual` conflict is recorded (local = the
   * wedding's value, remote = the record's) for a person to decide. Empty fields are filled; every
   * other field applies as usual. `true` for every change; a set names the external ids it covers.
   * @default false
   */
  keepIdentity?: boolean | ReadonlySet<string>;
}

/** The meta fields that say which wedding this is: never replaced by a record assigned to it (InboundContext.keepIdentity). */
export const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['title', 'date', 'venue', 'timezone']);

export type InboundAlert = Extract<InboundChange, { op: 'alert' }>;
/** Writes an alert's emergency message into `doc` (no I/O); the message id, or null and why not. */
export type AlertHandler = (doc: WeddingDoc, weddingId: string, alert: InboundAlert, from: { system: string; integrationId: string }) => { messageId: string | null; reason?: string };

export interface ApplyOutcome {
  applied: number;
  /** Changes that changed nothing: our own echo, or values we already had. */
  skipped: number;
  /** Changes outside the connector's rights: not applied (each in `details` with its reason). */
  refused: number;
  conflicts: Conflict[];
  /** Entities where the local value stands and the external system must be updated. */
  pushBack: { entity: SyncEntity; entityId: string }[];
  /** Entities with a pending manual conflict: not pushed to the system until resolved. */
  held: { entity: SyncEntity; entityId: string }[];
  /** One line per change, for the audit trail. */
  details: { op: string; entity: string | null; entityId: string | null; result: 'ok' | 'skipped' | 'refused'; fields?: string[]; reason?: InboundRefusal; message?: string }[];
}

function strategyFor(strategies: ConflictStrategies, entity: string, field: string): Strategy {
  return ownValue(strategies, `${entity}.${field}`) ?? ownValue(strategies, entity) ?? ownValue(strategies, '*') ?? 'crdt';
}

/** Our id for an external entity: the linked one, the one the system carries, or one derived from its external id. */
function resolveEntityId(ctx: InboundContext, change: { entity: SyncEntity; externalId: string; entityId?: string }): { entityId: string; link: Link | undefined } {
  if (change.entity === 'meta' || change.entity === 'guests') return { entityId: SINGLETON_ID, link: ctx.links.get(ctx.integrationId, change.entity, SINGLETON_ID) };
  const byExternal = ctx.links.byExternalId(ctx.integrationId, change.entity, change.externalId);
  if (byExternal) return { entityId: byExternal.entityId, link: byExternal };
  if (change.entityId && EntityId.safeParse(change.entityId).success) {
    return { entityId: change.entityId, link: ctx.links.get(ctx.integrationId, change.entity, change.entityId) };
  }
  const derived = `${ctx.system}-${crypto.createHash('sha256').update(change.externalId).digest('hex').slice(0, 16)}`;
  return { entityId: derived, link: ctx.links.get(ctx.integrationId, change.entity, derived) };
}

interface Plan {
  change: InboundChange;
  entity: SyncEntity | null;
  entityId: string | null;
  write: Record<string, unknown>;
  remove: boolean;
  conflicts: Conflict[];
  link: Link | null;
  pushBack: boolean;
  /** A manual conflict holds the entity: nothing goes out to the system until a person decides. */
  held?: boolean;
  /** Outside the connector's rights: nothing of the change is applied or recorded but the refusal. */
  refused?: Extract<InboundJudgement, { allowed: false }>;
  /** A snapshot older than one already applied to its external object: skipped. */
  stale?: true;
  /** The deletion of an object we deleted (its link kept as gone): nothing to apply, and the link goes. */
  forget?: true;
}

/** Why a stale snapshot was skipped (ApplyOutcome details). */
export const OLDER_SNAPSHOT = 'an older snapshot of this object than one already applied';

/**
 * Applies an external system's changes to the wedding in one transaction tagged with the adapter's
 * origin. Field by field it compares three values: the remote one, the local one, and the one both
 * sides last agreed on (the link row). A field changed on both sides since then is a semantic
 * conflict: the CRDT would simply take the later write, so the conflict is recorded with both values
 * and resolved by the configured strategy. Every change is validated before anything is written: a
 * batch with one invalid change applies nothing (AdapterError `invalid_payload`).
 *
 * Every change that would change the wedding (a write, a deletion, a conflict record, an
 * acknowledgement) is first judged against the rights of whoever connected the integration
 * (`ctx.connector`, server/auth/inbound-rights.ts). A refused change is not applied and not
 * validated; the others of the batch are judged on their own. Where the refused change was to an
 * entity the wedding has, the wedding's value stands and is pushed back to the system (as with
 * `prefer-planner`), so a bidirectional system converges on it.
 *
 * An upsert or deletion with a `position` (a processor's snapshot, a calendar's modification time) older than the newest one
 * applied to the same external object (the link's `snapshot`, or an earlier change of the batch)
 * is skipped (`OLDER_SNAPSHOT`): however the snapshots were received, stored or pulled, the
 * wedding ends with the newest.
 */
export function applyInbound(doc: WeddingDoc, ctx: InboundContext, changes: InboundChange[]): ApplyOutcome {
  const origin: TxOrigin = adapterOrigin(ctx.system, ctx.integrationId);
  const nowIso = new Date(ctx.now()).toISOString();
  const plans: Plan[] = [];
  // Later changes to the same entity in this batch see the earlier ones' effect.
  const pending = new Map<string, Record<string, unknown>>();
  // The newest snapshot applied per external object in this batch (entity, external id).
  const newestApplied = new Map<string, SnapshotOrder>();

  for (const change of changes) {
    // News for people, not a record: the inbox worker hands notices to its listeners (communications).
    if (change.op === 'notice') continue;
    if (change.op === 'ack' || change.op === 'delivery') {
      const judgement = judgeRecipientChange(ctx.connector, change.recipientId);
      plans.push({ change, entity: null, entityId: null, write: {}, remove: false, conflicts: [], link: null, pushBack: false, ...(judgement.allowed ? {} : { refused: judgement }) });
      continue;
    }
    if (change.op === 'alert') {
      const judgement = judgeAlert(ctx.connector);
      plans.push({ change, entity: null, entityId: null, write: {}, remove: false, conflicts: [], link: null, pushBack: false, ...(judgement.allowed ? {} : { refused: judgement }) });
      continue;
    }
    const fields = ownValue(ctx.fields, change.entity);
    if (!fields) throw new AdapterError('invalid_payload', `this integration does not sync ${change.entity}`);
    const { entityId, link } = resolveEntityId(ctx, change);
    const key = `${change.entity}\0${entityId}`;
    const current = { ...readEntity(doc, change.entity, entityId), ...pending.get(key) };
    const exists = readEntity(doc, change.entity, entityId) !== undefined || pending.has(key);

    // Systems that deliver out of order, and calendars read while our own write was on its way,
    // position their snapshots: the newest applied to the object wins, deletions included.
    const objectKey = `${change.entity}\0${change.externalId}`;
    const sameObject = link !== undefined && link.externalId === change.externalId;
    const newest = newestApplied.get(objectKey) ?? (sameObject ? link.snapshot ?? null : null);
    if (change.op === 'delete' && sameObject && gone(link)) {
      // Our own deletion read back (or a full read's absence of the object), however old the read:
      // the entity is already gone here, or made anew since, and the link kept to order reads
      // taken before the deletion is done.
      plans.push({ change, entity: change.entity, entityId, write: {}, remove: false, conflicts: [], link: null, pushBack: false, forget: true });
      continue;
    }
    if (change.position && newest && olderSnapshot(change.position, newest)) {
      plans.push({ change, entity: change.entity, entityId, write: {}, remove: false, conflicts: [], link: null, pushBack: false, stale: true });
      continue;
    }
    if (change.position) newestApplied.set(objectKey, change.position);

    if (change.op === 'delete') {
      const judgement = exists ? judgeEntityChange(ctx.connector, { entity: change.entity, entityId, op: 'delete', before: current, after: undefined }) : { allowed: true as const };
      if (!judgement.allowed) {
        // Gone there, kept here: the link forgets the external object so the push creates it again.
        const localNow = project(current, fields);
        const detached: Link | null = link ? { ...link, externalId: null, version: null, lastSynced: localNow, lastHash: contentHash(change.entity, localNow) } : null;
        plans.push({ change, entity: change.entity, entityId, write: {}, remove: false, conflicts: [], link: detached, pushBack: link !== undefined, refused: judgement });
        continue;
      }
      const localNow = project(current, fields);
      const locallyChanged = exists && link !== undefined && contentHash(change.entity, localNow) !== link.lastHash;
      const configured = strategyFor(ctx.strategies, change.entity, '*');
      // A deletion found by absence (a full resync) has no time, so "the later write wins" cannot
      // decide it: a local change since the last sync waits for a person instead.
      const strategy: Strategy = change.absent && configured === 'crdt' ? 'manual' : configured;
      const keep = locallyChanged && (strategy === 'prefer-planner' || strategy === 'manual');
      const conflicts: Conflict[] = locallyChanged ? [conflictOf(ctx, change.entity, entityId, '*', localNow, null, strategy, keep ? (strategy === 'manual' ? null : 'local') : 'remote', nowIso)] : [];
      // Kept here, gone there: the link forgets the external object, so keeping the local value
      // (prefer-planner now, or a person later) creates it again rather than updating nothing.
      const detached: Link | null = keep && link ? { ...link, externalId: null, version: null, lastSynced: localNow, lastHash: contentHash(change.entity, localNow) } : null;
      plans.push({ change, entity: change.entity, entityId, write: {}, remove: exists && !keep, conflicts, link: detached, pushBack: keep && strategy === 'prefer-planner', held: keep && strategy === 'manual' });
      continue;
    }

    const write: Record<string, unknown> = {};
    const conflicts: Conflict[] = [];
    if (change.refusedDelete && !exists) {
      // Deleted here, changed there since the last sync (a refused If-Match delete): the system's
      // version comes back, and a person confirms the deletion (local) or keeps it (remote).
      conflicts.push(conflictOf(ctx, change.entity, entityId, '*', null, project(change.data, fields), 'manual', null, nowIso));
    }
    let keptLocal = false;
    let held = false;
    for (const field of fields) {
      if (!Object.hasOwn(change.data, field)) continue;
      const remote = change.data[field];
      const local = ownValue(current, field);
      const last = link ? ownValue(link.lastSynced, field) : undefined;
      if (exists && sameField(field, remote, local)) continue;
      if (keepsIdentity(ctx, change.externalId) && change.entity === 'meta' && IDENTITY_FIELDS.has(field) && exists && !isBlank(local)) {
        conflicts.push(conflictOf(ctx, change.entity, entityId, field, local, remote ?? null, 'manual', null, nowIso));
        held = true;
        continue;
      }
      const everSynced = link !== undefined && Object.hasOwn(link.lastSynced, field);
      const remoteChanged = !everSynced || !sameField(field, remote, last);
      const localChanged = exists && everSynced && !sameField(field, local, last);
      if (!remoteChanged) {
        // The external system still has what we last agreed; the local edit stands and goes out.
        keptLocal = true;
        continue;
      }
      if (localChanged) {
        const strategy = strategyFor(ctx.strategies, change.entity, field);
        const remoteWins = strategy === 'crdt' || strategy === 'prefer-source';
        conflicts.push(conflictOf(ctx, change.entity, entityId, field, local ?? null, remote ?? null, strategy, strategy === 'manual' ? null : remoteWins ? 'remote' : 'local', nowIso));
        if (!remoteWins) {
          keptLocal ||= strategy === 'prefer-planner';
          held ||= strategy === 'manual';
          continue;
        }
      }
      setOwn(write, field, remote);
    }
    if (!exists && ctx.vendorId && Object.keys(write).length) {
      // A new record that names no vendor of ours (a vendor's own system, a preset) is the binding's vendor's.
      if (change.entity === 'timeline' && !Object.hasOwn(write, 'vendorIds')) write.vendorIds = [ctx.vendorId];
      if (change.entity === 'payments' && typeof ({ ...pending.get(key), ...write }).vendorId !== 'string') write.vendorId = ctx.vendorId;
    }
    if (Object.keys(write).length || conflicts.length) {
      const judgement = judgeEntityChange(ctx.connector, {
        entity: change.entity, entityId, op: exists ? 'update' : 'create', before: exists ? current : undefined, after: { ...(exists ? current : {}), ...write },
      });
      if (!judgement.allowed) {
        plans.push({ change, entity: change.entity, entityId, write: {}, remove: false, conflicts: [], link: null, pushBack: exists, refused: judgement });
        continue;
      }
    }
    if (change.entity === 'payments' && !exists && Object.keys(write).length && typeof ({ ...pending.get(key), ...write }).vendorId !== 'string') {
      // A preset or universal webhook knows no vendor of ours: the binding's vendor takes it (above), else it waits for one.
      const name = ctx.systemName ?? ctx.system;
      throw new AdapterError('invalid_payload', `payment ${change.externalId}: ${name} ${VENDOR_NEEDED}: choose the vendor on this wedding's binding (Connections → ${name} → the wedding → Vendor), then send or import it again`);
    }
    if (Object.keys(write).length) {
      try {
        validateEntityPatch(doc, change.entity, entityId, { ...pending.get(key), ...write });
      } catch (error) {
        if (error instanceof SchemaError) throw new AdapterError('invalid_payload', `${change.entity} ${change.externalId}: ${error.message}`, { cause: error });
        throw error;
      }
      pending.set(key, { ...pending.get(key), ...write });
    }
    plans.push({
      change, entity: change.entity, entityId, write, remove: false, conflicts,
      // lastSynced and lastHash are filled in once the write is done (see below).
      link: { integrationId: ctx.integrationId, entity: change.entity, entityId, externalId: change.externalId, lastSynced: {}, lastHash: '', version: link?.version ?? null, snapshot: change.position ?? newest },
      pushBack: keptLocal && !held,
      held,
    });
  }

  const outcome: ApplyOutcome = { applied: 0, skipped: 0, refused: 0, conflicts: [], pushBack: [], held: [], details: [] };
  const alerts: InboundAlert[] = [];
  doc.transact(() => {
    for (const p of plans) {
      const c = p.change;
      if (p.stale) {
        outcome.skipped++;
        outcome.details.push({ op: c.op, entity: p.entity, entityId: p.entityId, result: 'skipped', message: OLDER_SNAPSHOT });
        continue;
      }
      if (p.refused) {
        outcome.refused++;
        const messageId = c.op === 'ack' || c.op === 'delivery' ? c.messageId : null;
        if (c.op === 'alert') {
          outcome.details.push({ op: 'alert', entity: 'messages', entityId: null, result: 'refused', reason: p.refused.reason, message: p.refused.message });
          continue;
        }
        outcome.details.push({ op: c.op, entity: p.entity ?? (messageId ? 'messages' : null), entityId: p.entityId ?? messageId, result: 'refused', reason: p.refused.reason, message: p.refused.message });
        if (p.link) ctx.links.save(p.link);
        if (p.pushBack && p.entity && p.entityId) outcome.pushBack.push({ entity: p.entity, entityId: p.entityId });
        continue;
      }
      if (c.op === 'ack') {
        const known = doc.listMessages().some((m) => m.id === c.messageId);
        if (known) doc.acknowledgeMessage(c.messageId, c.recipientId, c.at ?? nowIso, origin);
        outcome[known ? 'applied' : 'skipped']++;
        outcome.details.push({ op: 'ack', entity: 'messages', entityId: c.messageId, result: known ? 'ok' : 'skipped' });
        continue;
      }
      if (c.op === 'alert') {
        alerts.push(c);
        continue;
      }
      if (c.op === 'delivery') {
        // A provider's report on a send (server/comms): recorded on the message, never moving it backwards.
        const [before] = doc.getDeliveries(c.messageId, [deliveryKey(c.recipientId, c.channel)]);
        const after = before && doc.recordDelivery(c.messageId, {
          ...before, status: c.status, at: c.at ?? nowIso, providerId: c.providerId ?? before.providerId,
          error: c.status === 'failed' || c.status === 'retrying' ? c.error ?? before.error : null, attempts: Math.max(before.attempts, c.attempts ?? 0),
        }, origin);
        const changed = !!after && (after.status !== before.status || after.attempts !== before.attempts);
        outcome[changed ? 'applied' : 'skipped']++;
        outcome.details.push({ op: 'delivery', entity: 'messages', entityId: c.messageId, result: changed ? 'ok' : 'skipped' });
        continue;
      }
      const entity = p.entity!;
      const entityId = p.entityId!;
      for (const conflict of p.conflicts) {
        const duplicate = conflict.status === 'pending' && doc.listConflicts().some((x) => x.status === 'pending' && x.entity === conflict.entity && x.entityId === conflict.entityId && x.field === conflict.field && JSON.stringify(x.remoteValue) === JSON.stringify(conflict.remoteValue));
        if (!duplicate) doc.appendConflict(conflict, origin);
        outcome.conflicts.push(conflict);
      }
      let changed = false;
      if (p.remove) changed = deleteEntity(doc, entity, entityId, origin);
      else if (Object.keys(p.write).length) {
        writeEntity(doc, entity, entityId, p.write, origin);
        changed = true;
      }
      if (p.link) {
        if (c.op === 'upsert') {
          // What the system has now: what it sent, and for fields it did not send, what the wedding
          // has (it does not carry them, so there is nothing to tell it).
          const after = readEntity(doc, entity, entityId) ?? {};
          const fields = ownValue(ctx.fields, entity) ?? [];
          const synced: Record<string, unknown> = {};
          for (const f of fields) setOwn(synced, f, Object.hasOwn(c.data, f) ? c.data[f] : ownValue(after, f));
          p.link.lastSynced = project(synced, fields);
          p.link.lastHash = contentHash(entity, p.link.lastSynced);
        }
        ctx.links.save(p.link);
      }
      else if (c.op === 'delete' && p.remove) ctx.links.remove(ctx.integrationId, entity, entityId);
      else if (p.forget) ctx.links.forget(ctx.integrationId, entity, entityId);
      if (p.pushBack) outcome.pushBack.push({ entity, entityId });
      if (p.held) outcome.held.push({ entity, entityId });
      outcome[changed ? 'applied' : 'skipped']++;
      outcome.details.push({ op: c.op, entity, entityId, result: changed ? 'ok' : 'skipped', ...(Object.keys(p.write).length ? { fields: Object.keys(p.write) } : {}) });
    }
  }, origin);
  for (const alert of alerts) {
    const sent = ctx.raiseAlert ? ctx.raiseAlert(doc, ctx.weddingId, alert, { system: ctx.system, integrationId: ctx.integrationId }) : { messageId: null, reason: 'this server sends no alerts' };
    outcome[sent.messageId ? 'applied' : 'skipped']++;
    outcome.details.push({ op: 'alert', entity: 'messages', entityId: sent.messageId, result: sent.messageId ? 'ok' : 'skipped', ...(sent.reason ? { message: sent.reason } : {}) });
  }
  return outcome;
}

const keepsIdentity = (ctx: InboundContext, externalId: string) => ctx.keepIdentity === true || (typeof ctx.keepIdentity === 'object' && ctx.keepIdentity.has(externalId));
const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function conflictOf(ctx: InboundContext, entity: SyncEntity, entityId: string, field: string, localValue: unknown, remoteValue: unknown, strategy: Strategy, winner: 'local' | 'remote' | null, at: string): Conflict {
  return {
    id: `cf_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`,
    at,
    entity,
    entityId,
    field,
    localValue,
    remoteValue,
    source: ctx.system,
    integrationId: ctx.integrationId,
    strategy,
    status: winner === null ? 'pending' : 'resolved',
    winner,
    resolvedBy: winner === null ? null : `strategy:${strategy}`,
    resolvedAt: winner === null ? null : at,
  };
}
