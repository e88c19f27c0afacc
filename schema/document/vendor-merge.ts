import * as Y from 'yjs';
import { computeBudget } from './budget.ts';
import { VENDOR_STATUSES, Vendor } from './entities.ts';
import { addressKeys } from './addresses.ts';
import type { TxOrigin } from './origins.ts';
import { ROOT } from './roots.ts';
import type { WeddingDoc } from './wedding-doc.ts';
import { CONTRIBUTION_ROOTS } from './contributions.ts';
import { recordVendorRemoval } from './vendor-removals.ts';
import { SchemaError, parseOrThrow } from '../errors.ts';

type VendorStatus = (typeof VENDOR_STATUSES)[number];

/**
 * The status moves a planner may make: forward along inquiry → booked → confirmed, one step back
 * (a booking that fell through), cancelling from any live status, and reopening a cancelled one as
 * an inquiry.
 */
export const VENDOR_STATUS_NEXT: Readonly<Record<VendorStatus, readonly VendorStatus[]>> = {
  inquiry: ['booked', 'cancelled'],
  booked: ['confirmed', 'inquiry', 'cancelled'],
  confirmed: ['booked', 'cancelled'],
  cancelled: ['inquiry'],
};

/** Whether a vendor's status may move from `from` to `to` (see VENDOR_STATUS_NEXT). */
export function canMoveVendorStatus(from: VendorStatus, to: VendorStatus): boolean {
  return VENDOR_STATUS_NEXT[from].includes(to);
}

/** How far along a status is, for keeping the furthest of two merged vendors'. */
const STATUS_RANK: Readonly<Record<VendorStatus, number>> = { cancelled: 0, inquiry: 1, booked: 2, confirmed: 3 };

/** Everything of a wedding that names one vendor: what goes with it when it is removed or merged. */
export interface VendorFootprint {
  /** Events whose `vendorIds` list it, in time order. */
  eventIds: string[];
  /** Events holding its own crew entry (arrival, notes, confirmation). */
  crewEventIds: string[];
  paymentIds: string[];
  taskIds: string[];
  /** Comments about it (`subject` `vendors.<id>` or below). */
  commentIds: string[];
  /** Its crew: contacts whose `vendorId` is it. */
  crewContactIds: string[];
}

export function vendorFootprint(doc: WeddingDoc, vendorId: string): VendorFootprint {
  return {
    eventIds: doc.listEvents().filter((e) => e.vendorIds.includes(vendorId)).map((e) => e.id),
    crewEventIds: [...doc.timeline.entries()].filter(([, m]) => crewMap(m)?.has(vendorId)).map(([id]) => id),
    paymentIds: doc.listPayments().filter((p) => p.vendorId === vendorId).map((p) => p.id).sort(),
    taskIds: doc.listTasks().filter((t) => t.vendorId === vendorId).map((t) => t.id),
    commentIds: commentsAbout(doc, vendorId).map(([id]) => id).sort(),
    crewContactIds: doc.crewOf(vendorId).map((c) => c.id),
  };
}

function commentsAbout(doc: WeddingDoc, vendorId: string): [string, Y.Map<unknown>][] {
  if (!doc.ydoc.share.has(CONTRIBUTION_ROOTS.comments)) return [];
  const prefix = `${ROOT.vendors}.${vendorId}`;
  return [...doc.ydoc.getMap<unknown>(CONTRIBUTION_ROOTS.comments).entries()].filter((e): e is [string, Y.Map<unknown>] => {
    const subject = e[1] instanceof Y.Map ? e[1].get('subject') : undefined;
    return typeof subject === 'string' && (subject === prefix || subject.startsWith(`${prefix}.`));
  });
}

function crewMap(event: unknown): Y.Map<unknown> | undefined {
  const c = event instanceof Y.Map ? event.get('crew') : undefined;
  return c instanceof Y.Map ? (c as Y.Map<unknown>) : undefined;
}

function vendorIdsOf(event: unknown): Y.Array<string> | undefined {
  const ids = event instanceof Y.Map ? event.get('vendorIds') : undefined;
  return ids instanceof Y.Array ? (ids as Y.Array<string>) : undefined;
}

/**
 * The kept vendor's record after taking in a duplicate: its own values win; an empty e-mail or phone
 * is filled from the duplicate, channels and system links are united (the kept vendor's link wins
 * for the same system), notes are joined, and the status is the further along of the two.
 */
export function mergedVendor(keep: Vendor, dup: Vendor): Vendor {
  const notes = [keep.notes ?? '', dup.notes ?? ''].filter((n) => n.trim() !== '').join('\n\n').slice(0, 4000);
  return {
    ...keep,
    email: keep.email || dup.email,
    phone: keep.phone || dup.phone,
    preferredChannels: [...new Set([...keep.preferredChannels, ...dup.preferredChannels])],
    links: { ...dup.links, ...keep.links },
    status: STATUS_RANK[dup.status] > STATUS_RANK[keep.status] ? dup.status : keep.status,
    ...(notes ? { notes } : {}),
  };
}

/**
 * Merges vendor `removeId` (a duplicate) into `keepId` in ONE transaction, so no peer ever sees the
 * events, payments or tasks pointing at a vendor that is gone: its event assignments, crew entries
 * (the kept vendor's own entry on the same event wins), payments, tasks, comments about it and
 * per-vendor budget totals move to the kept vendor, its details fill the kept record's gaps (mergedVendor), and its
 * entry is deleted. Messages and conflicts are history and keep the ids they were written with: the
 * duplicate's name and the vendor it went into are recorded (vendor-removals.ts), so they read
 * "Lens and Light (merged into Lens & Light)".
 * Participant bindings live in the server's database and are moved by the caller.
 * @throws SchemaError `not_found` when either vendor is missing, `validation_failed` when they are the same
 */
export function mergeVendors(doc: WeddingDoc, keepId: string, removeId: string, origin?: TxOrigin, now = new Date()): { vendor: Vendor; moved: VendorFootprint } {
  if (keepId === removeId) throw new SchemaError('validation_failed', 'a vendor cannot be merged into itself', [{ path: 'removeId', message: 'must differ from keepId' }]);
  const keep = doc.getVendor(keepId);
  const dup = doc.getVendor(removeId);
  if (!keep) throw new SchemaError('not_found', `no vendor ${keepId}`);
  if (!dup) throw new SchemaError('not_found', `no vendor ${removeId}`);
  const moved = vendorFootprint(doc, removeId);
  // Checked before anything is written: a Yjs transaction that throws half way keeps its first half.
  const taken = new Set(doc.listVendors().filter((v) => v.id !== keepId && v.id !== removeId).flatMap((v) => addressKeys(v)));
  const filled = mergedVendor(keep, dup);
  const free = (field: 'email' | 'phone') => addressKeys({ email: field === 'email' ? filled.email : '', phone: field === 'phone' ? filled.phone : '' }).every((k) => !taken.has(k));
  const merged = parseOrThrow(Vendor, { ...filled, email: free('email') ? filled.email : keep.email, phone: free('phone') ? filled.phone : keep.phone }, 'vendor');
  doc.transact(() => {
    for (const [, event] of doc.timeline.entries()) {
      const ids = vendorIdsOf(event);
      if (ids) {
        const list = ids.toArray();
        if (list.includes(removeId)) {
          const next = [...new Set(list.map((id) => (id === removeId ? keepId : id)))];
          ids.delete(0, ids.length);
          ids.insert(0, next);
        }
      }
      const crew = crewMap(event);
      const entry = crew?.get(removeId);
      if (crew && entry !== undefined) {
        if (!crew.has(keepId) && entry instanceof Y.Map) {
          const copy = new Y.Map<unknown>();
          for (const [k, v] of entry.entries()) copy.set(k, v);
          crew.set(keepId, copy);
        }
        crew.delete(removeId);
      }
    }
    for (const id of moved.paymentIds) doc.payments.get(id)?.set('vendorId', keepId);
    for (const id of moved.taskIds) doc.tasks.get(id)?.set('vendorId', keepId);
    for (const id of moved.crewContactIds) doc.contacts.get(id)?.set('vendorId', keepId);
    repointComments(doc, removeId, keepId);
    // Delete first: the kept vendor may take the duplicate's e-mail, which the duplicate check refuses while both exist.
    doc.vendors.delete(removeId);
    recordVendorRemoval(doc.ydoc, removeId, { name: dup.name, mergedInto: keepId, at: now.toISOString() });
    doc.upsertVendor(merged, origin);
    refreshBudget(doc, now);
  }, origin);
  return { vendor: doc.getVendor(keepId)!, moved };
}

/**
 * Removes a vendor in ONE transaction with everything that goes with it: its entry, its assignment
 * to events, its crew entries, comments about it; its tasks and its crew contacts stay, no longer
 * naming a vendor. Its payments stay too, with their budget lines: money history is never deleted,
 * and a payment whose `vendorId` names no vendor is one of a removed vendor (the budget API says
 * `vendorRemoved`). Its name is recorded (vendor-removals.ts), so what still names it reads
 * "Sound Co (removed)". Returns what it touched, `paymentIds` being the payments kept (nothing when the
 * vendor did not exist).
 */
export function removeVendor(doc: WeddingDoc, vendorId: string, origin?: TxOrigin, now = new Date()): VendorFootprint | null {
  if (!doc.vendors.has(vendorId)) return null;
  const gone = vendorFootprint(doc, vendorId);
  const name = doc.getVendor(vendorId)?.name ?? '';
  doc.transact(() => {
    for (const [, event] of doc.timeline.entries()) {
      const ids = vendorIdsOf(event);
      if (ids) {
        for (let i = ids.length - 1; i >= 0; i--) if (ids.get(i) === vendorId) ids.delete(i, 1);
      }
      crewMap(event)?.delete(vendorId);
    }
    for (const id of gone.taskIds) doc.tasks.get(id)?.set('vendorId', '');
    for (const id of gone.crewContactIds) doc.contacts.get(id)?.set('vendorId', '');
    if (gone.commentIds.length) {
      const comments = doc.ydoc.getMap<unknown>(CONTRIBUTION_ROOTS.comments);
      for (const id of gone.commentIds) comments.delete(id);
    }
    doc.vendors.delete(vendorId);
    if (name) recordVendorRemoval(doc.ydoc, vendorId, { name, mergedInto: '', at: now.toISOString() });
    refreshBudget(doc, now);
  }, origin);
  return gone;
}

/** Comments about the duplicate become comments about the kept vendor (the same path below it). */
function repointComments(doc: WeddingDoc, fromId: string, toId: string): void {
  const length = `${ROOT.vendors}.${fromId}`.length;
  for (const [, m] of commentsAbout(doc, fromId)) m.set('subject', `${ROOT.vendors}.${toId}${(m.get('subject') as string).slice(length)}`);
}

/** The derived budget, when the document holds one, recomputed as of the same day so it names no vendor that is gone. */
function refreshBudget(doc: WeddingDoc, now: Date): void {
  const current = doc.getBudget();
  if (!current) return;
  if (doc.ydoc.share.has(ROOT.budget)) doc.setBudget(computeBudget(doc.listPayments(), current.asOf, now.toISOString()));
}
