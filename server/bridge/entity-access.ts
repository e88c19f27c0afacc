import * as Y from 'yjs';
import {
  GuestsPatch, Payment, SchemaError, TimelineEvent, Vendor, WeddingDoc, WeddingMetaPatch, parseOrThrow,
  type TxOrigin,
} from '../../schema/index.ts';
import { SINGLETON_ID, type SyncEntity, type WeddingContext } from '../../adapters/core/index.ts';
import { setOwn } from '../../schema/own-keys.ts';
import { plannedPayment } from '../../schema/document/wedding-payments.ts';

/** Generic read/write of the syncable entities of a wedding, by entity kind and id. */
export function readEntity(w: WeddingDoc, entity: SyncEntity, id: string): Record<string, unknown> | undefined {
  switch (entity) {
    case 'timeline': return w.getEvent(id);
    case 'vendors': return w.getVendor(id);
    case 'payments': return w.getPayment(id);
    case 'guests': {
      const g = w.getGuests();
      return Object.keys(g).length ? g : undefined;
    }
    case 'meta': {
      const m = w.getMeta();
      return Object.keys(m).length ? m : undefined;
    }
    default: {
      const never: never = entity;
      throw new Error(`unknown entity ${String(never)}`);
    }
  }
}

export function entityIds(w: WeddingDoc, entity: SyncEntity): string[] {
  switch (entity) {
    case 'timeline': return [...w.timeline.keys()];
    case 'vendors': return [...w.vendors.keys()];
    case 'payments': return [...w.payments.keys()];
    case 'guests': return w.guests.size ? [SINGLETON_ID] : [];
    case 'meta': return w.meta.size ? [SINGLETON_ID] : [];
    default: {
      const never: never = entity;
      throw new Error(`unknown entity ${String(never)}`);
    }
  }
}

/**
 * Validates what `patch` would make of the entity without writing anything; throws SchemaError.
 * Used before a batch of inbound changes is applied, so that one bad change applies none.
 */
export function validateEntityPatch(w: WeddingDoc, entity: SyncEntity, id: string, patch: Record<string, unknown>): void {
  const current = readEntity(w, entity, id);
  switch (entity) {
    case 'timeline':
      parseOrThrow(TimelineEvent, { location: '', category: 'other', vendorIds: [], notes: '', order: 0, links: {}, ...current, ...patch, id }, 'timeline event');
      return;
    case 'vendors':
      parseOrThrow(Vendor, { email: '', phone: '', preferredChannels: [], status: 'inquiry', links: {}, ...current, ...patch, id }, 'vendor');
      // The same refusal upsertVendor makes, before anything of the batch is written.
      {
        const other = w.findDuplicateVendor({ id, email: typeof patch.email === 'string' && patch.email !== current?.email ? patch.email : '', phone: typeof patch.phone === 'string' && patch.phone !== current?.phone ? patch.phone : '' });
        if (other) {
          const name = typeof patch.name === 'string' ? patch.name : typeof current?.name === 'string' ? current.name : 'the vendor';
          throw new SchemaError('duplicate', `${other.name}, another vendor of this wedding, already has the e-mail or phone given for ${name}`);
        }
      }
      return;
    case 'payments':
      plannedPayment(w, { ...patch, id } as Partial<Payment> & { id: string });
      return;
    case 'guests':
      parseOrThrow(GuestsPatch.strict(), patch, 'guests');
      return;
    case 'meta':
      parseOrThrow(WeddingMetaPatch.strict(), patch, 'wedding meta');
      return;
    default: {
      const never: never = entity;
      throw new Error(`unknown entity ${String(never)}`);
    }
  }
}

export function writeEntity(w: WeddingDoc, entity: SyncEntity, id: string, patch: Record<string, unknown>, origin: TxOrigin): void {
  switch (entity) {
    case 'timeline': w.upsertEvent({ ...patch, id } as never, origin); return;
    case 'vendors': w.upsertVendor({ ...patch, id } as never, origin); return;
    case 'payments': w.upsertPayment({ ...patch, id } as never, origin); return;
    case 'guests': w.updateGuests(patch, origin); return;
    case 'meta': w.setMeta(patch, origin); return;
    default: {
      const never: never = entity;
      throw new Error(`unknown entity ${String(never)}`);
    }
  }
}

export function deleteEntity(w: WeddingDoc, entity: SyncEntity, id: string, origin: TxOrigin): boolean {
  switch (entity) {
    case 'timeline': return w.deleteEvent(id, origin);
    case 'vendors': return w.deleteVendor(id, origin);
    case 'payments': return w.deletePayment(id, origin);
    case 'guests':
    case 'meta':
      return false; // singletons are never deleted by an external system
    default: {
      const never: never = entity;
      throw new Error(`unknown entity ${String(never)}`);
    }
  }
}

/** Meta and the vendors an entity refers to: what an adapter needs to map a push (time zone, attendees). */
export function weddingContext(weddingId: string, w: WeddingDoc, data: Record<string, unknown> | null): WeddingContext {
  const ids = new Set<string>();
  if (data && Array.isArray(data.vendorIds)) for (const v of data.vendorIds) ids.add(String(v));
  if (data && typeof data.vendorId === 'string') ids.add(data.vendorId);
  const vendors: WeddingContext['vendors'] = {};
  for (const id of ids) {
    const v = w.getVendor(id);
    if (v) setOwn(vendors, id, v);
  }
  return { weddingId, meta: w.getMeta(), vendors };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types shared types as AbstractType<YEvent<any>>
type YType = Y.AbstractType<Y.YEvent<any>>;

/** Root shared types that hold syncable entities. */
const ENTITY_ROOTS: [string, SyncEntity][] = [['timeline', 'timeline'], ['vendors', 'vendors'], ['payments', 'payments'], ['guests', 'guests'], ['meta', 'meta']];

/**
 * The entities a transaction touched: for entity maps, the key directly below the root (an event,
 * vendor or payment id) whichever nested type changed; for `meta` and `guests`, the singleton.
 * Runs on every document update, so it allocates nothing until it finds something.
 */
export function changedEntities(doc: Y.Doc, tr: Y.Transaction): { entity: SyncEntity; entityId: string }[] {
  let out: Map<string, { entity: SyncEntity; entityId: string }> | null = null;
  for (const [type, keys] of tr.changed) {
    let current: YType = type;
    let keyBelowRoot: string | null = null;
    while (current._item !== null) {
      keyBelowRoot = current._item.parentSub;
      current = current._item.parent as YType;
    }
    let entity: SyncEntity | null = null;
    for (const [name, kind] of ENTITY_ROOTS) if (doc.share.get(name) === current) { entity = kind; break; }
    if (entity === null) continue;
    out ??= new Map();
    if (entity === 'meta' || entity === 'guests') out.set(`${entity}\0${SINGLETON_ID}`, { entity, entityId: SINGLETON_ID });
    else if (current === type) { for (const k of keys) if (k !== null) out.set(`${entity}\0${k}`, { entity, entityId: k }); }
    else if (keyBelowRoot !== null) out.set(`${entity}\0${keyBelowRoot}`, { entity, entityId: keyBelowRoot });
  }
  return out ? [...out.values()] : [];
}
