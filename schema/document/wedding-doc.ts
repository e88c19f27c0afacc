import * as Y from 'yjs';
import {
  BudgetSummary, Conflict, Contact, ContactInput, Delivery, GuestsPatch, Message, MessageInput, Payment, PaymentInput, Task,
  TaskInput, TimelineEvent, TimelineEventPatch, Vendor, VendorInput, WeddingMetaPatch,
  type Guests, type WeddingJSON, type WeddingMeta,
} from './entities.ts';
import type { TxOrigin } from './origins.ts';
import type { TimeZoneChangeMode } from './time-zone-change.ts';
import { SchemaError, parseOrThrow } from '../errors.ts';
import { assertRoom } from './limits.ts';
import { listContactRemovals, type ContactRemoval } from './contact-removals.ts';
import { formerVendor, formerVendorName, listVendorRemovals, recordVendorRemoval, type FormerVendor, type VendorRemoval } from './vendor-removals.ts';
import { invalidEntries } from './invalid-entries.ts';
import { arrayEntities, entityEntries, plainMap, readContact, readEvent, readMessage, readPayment, readTask, readVendor, type InvalidEntry, type YEntity } from './readers.ts';
import { ROOT } from './roots.ts';
import { ensureEntity, jsonBytes, setScalars } from './y-writes.ts';
import { deleteContact, upsertContact } from './wedding-contacts.ts';
import { acknowledgeMessage, appendMessage, deliveriesOf, messageHeader, messageMap, recordDelivery } from './wedding-messages.ts';
import { changeTimeZone, compareEvents, upsertEvent } from './wedding-timeline.ts';
import { findDuplicateVendor, upsertVendor } from './wedding-vendors.ts';
import { upsertPayment } from './wedding-payments.ts';

export { deliveryKey } from './wedding-messages.ts';
export { replaceText } from './y-writes.ts';

/**
 * Typed access to one wedding's Y.Doc. Reads return plain objects; every write is validated with the
 * schema's zod validators first and then applied in a single transaction, so an invalid write
 * changes nothing.
 */
export class WeddingDoc {
  constructor(readonly ydoc: Y.Doc) {}

  get meta(): Y.Map<unknown> { return this.ydoc.getMap(ROOT.meta); }
  get timeline(): Y.Map<YEntity> { return this.ydoc.getMap(ROOT.timeline); }
  get vendors(): Y.Map<YEntity> { return this.ydoc.getMap(ROOT.vendors); }
  get guests(): Y.Map<unknown> { return this.ydoc.getMap(ROOT.guests); }
  get payments(): Y.Map<YEntity> { return this.ydoc.getMap(ROOT.payments); }
  get messages(): Y.Array<YEntity> { return this.ydoc.getArray(ROOT.messages); }
  get conflicts(): Y.Array<YEntity> { return this.ydoc.getArray(ROOT.conflicts); }
  get contacts(): Y.Map<YEntity> { return this.ydoc.getMap(ROOT.contacts); }
  get tasks(): Y.Map<YEntity> { return this.ydoc.getMap(ROOT.tasks); }
  /** Budget totals derived from `payments` by the server; read-only for everyone else. */
  get budget(): Y.Map<unknown> { return this.ydoc.getMap(ROOT.budget); }

  /** Runs `fn` in one transaction tagged with `origin`. Nested calls join the outer transaction. */
  transact<T>(fn: () => T, origin?: TxOrigin): T {
    let result!: T;
    this.ydoc.transact(() => { result = fn(); }, origin ?? null);
    return result;
  }

  /** Calls `listener` after every transaction that changed the wedding; returns the unsubscribe. */
  observe(listener: (events: Y.YEvent<Y.AbstractType<unknown>>[], tx: Y.Transaction) => void): () => void {
    const roots = [this.meta, this.timeline, this.vendors, this.guests, this.payments, this.messages, this.conflicts, this.contacts, this.tasks, this.budget] as Y.AbstractType<unknown>[];
    const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[], tx: Y.Transaction) => listener(events, tx);
    for (const r of roots) r.observeDeep(handler);
    return () => { for (const r of roots) r.unobserveDeep(handler); };
  }

  // ── meta ────────────────────────────────────────────────────────────────────────────────────
  getMeta(): Partial<WeddingMeta> {
    return plainMap(this.meta) as Partial<WeddingMeta>;
  }

  setMeta(patch: WeddingMetaPatch, origin?: TxOrigin): Partial<WeddingMeta> {
    const valid = parseOrThrow(WeddingMetaPatch.strict(), patch, 'wedding meta');
    assertRoom(this.ydoc, { bytes: jsonBytes(valid) });
    this.transact(() => setScalars(this.meta, valid), origin);
    return this.getMeta();
  }

  /**
   * Sets the wedding's time zone (IANA) and moves every event as `mode` says, in one transaction:
   * no peer ever sees the new zone with times meant for the old one. `keep_wall_clock` keeps the
   * local times as typed (a time the new zone skips moves forward by the gap, a repeated one is its
   * first occurrence: RFC 5545 §3.3.5); `keep_instants` keeps the moments and rewrites each time
   * with the new zone's offset. See planTimeZoneChange.
   * Throws SchemaError `validation_failed` (an unknown zone or mode, or an event the change would
   * make invalid) before writing anything. Returns the ids of the events it changed, and of those
   * whose wall time fell in a daylight-saving gap.
   */
  changeTimeZone(timeZone: string, mode: TimeZoneChangeMode, origin?: TxOrigin): { changed: string[]; skipped: string[] } {
    return changeTimeZone(this, timeZone, mode, origin);
  }

  // ── timeline ────────────────────────────────────────────────────────────────────────────────
  /** Events in time order (start, then `order`). */
  listEvents(): TimelineEvent[] {
    const events = entityEntries(this.timeline).map(([id, m]) => readEvent(id, m));
    return events.sort(compareEvents);
  }

  getEvent(id: string): TimelineEvent | undefined {
    const m = this.timeline.get(id);
    return m instanceof Y.Map ? readEvent(id, m) : undefined;
  }

  /** The event's collaborative notes, for editors that bind to Y.Text directly. */
  eventNotes(id: string): Y.Text | undefined {
    const n = this.timeline.get(id)?.get('notes');
    return n instanceof Y.Text ? n : undefined;
  }

  /**
   * Creates the event or changes only the given fields of an existing one. Unchanged values are not
   * rewritten, so concurrent edits to other fields of the same event never collide.
   */
  upsertEvent(input: TimelineEventPatch, origin?: TxOrigin): TimelineEvent {
    return upsertEvent(this, input, origin);
  }

  deleteEvent(id: string, origin?: TxOrigin): boolean {
    if (!this.timeline.has(id)) return false;
    this.transact(() => this.timeline.delete(id), origin);
    return true;
  }

  // ── vendors ─────────────────────────────────────────────────────────────────────────────────
  listVendors(): Vendor[] {
    return entityEntries(this.vendors).map(([id, m]) => readVendor(id, m)).sort((a, b) => a.name.localeCompare(b.name));
  }

  getVendor(id: string): Vendor | undefined {
    const m = this.vendors.get(id);
    return m instanceof Y.Map ? readVendor(id, m) : undefined;
  }

  /**
   * Creates the vendor or changes the given fields (wedding-vendors.ts). An entry this document holds
   * only part of (its audience hides the rest, docs/audiences.md) gets only the given fields, never
   * defaults for the ones it cannot see. Throws SchemaError `validation_failed`, `duplicate` (another
   * vendor already has the e-mail or phone), `document_too_large`.
   */
  upsertVendor(input: VendorInput | (Partial<Vendor> & { id: string }), origin?: TxOrigin): Vendor {
    return upsertVendor(this, input, origin);
  }

  /**
   * The other vendor that already has one of `vendor`'s addresses (same e-mail ignoring case, or
   * same phone as E.164; see addresses.ts), if any.
   */
  findDuplicateVendor(vendor: Pick<Vendor, 'id' | 'email' | 'phone'>): Vendor | undefined {
    return findDuplicateVendor(this, vendor);
  }

  /** Deletes a vendor entry (an external system's deletion) and remembers its name (vendor-removals.ts). */
  deleteVendor(id: string, origin?: TxOrigin, at: string = new Date().toISOString()): boolean {
    if (!this.vendors.has(id)) return false;
    const name = this.getVendor(id)?.name ?? '';
    this.transact(() => {
      this.vendors.delete(id);
      if (name) recordVendorRemoval(this.ydoc, id, { name, mergedInto: '', at });
    }, origin);
    return true;
  }

  /** Vendors merged or removed, by their old id (vendor-removals.ts). */
  listVendorRemovals(): Map<string, VendorRemoval> {
    return listVendorRemovals(this.ydoc);
  }

  /** For a vendor merged or removed (and not back since): its name when it left and how it left (vendor-removals.ts). */
  formerVendor(id: string): FormerVendor | undefined {
    if (this.vendors.has(id)) return undefined;
    return formerVendor(this.listVendorRemovals(), id, (v) => this.getVendor(v)?.name);
  }

  /**
   * A vendor's name as people read it: its name while it is in the wedding; for one merged or
   * removed since, `Lens and Light (merged into Lens & Light)` or `Sound Co (removed)`
   * (formerVendorName); undefined when the wedding has no record of the id.
   */
  vendorDisplayName(id: string): string | undefined {
    const current = (v: string) => this.getVendor(v)?.name;
    return current(id) ?? formerVendorName(this.listVendorRemovals(), id, current);
  }

  // ── guests ──────────────────────────────────────────────────────────────────────────────────
  getGuests(): Partial<Guests> {
    const out = plainMap(this.guests);
    const dietary = this.guests.get('dietary');
    if (dietary instanceof Y.Map) out.dietary = plainMap(dietary);
    return out as Partial<Guests>;
  }

  /** Changes the given counts; `dietary` entries are merged per diet so two editors can change different diets at once. */
  updateGuests(patch: GuestsPatch, origin?: TxOrigin): Partial<Guests> {
    const valid = parseOrThrow(GuestsPatch.strict(), patch, 'guests');
    assertRoom(this.ydoc, { bytes: jsonBytes(valid) });
    this.transact(() => {
      const { dietary, ...counts } = valid;
      setScalars(this.guests, counts);
      if (dietary) {
        let d = this.guests.get('dietary');
        if (!(d instanceof Y.Map)) {
          d = new Y.Map();
          this.guests.set('dietary', d);
        }
        setScalars(d as Y.Map<unknown>, dietary);
      }
    }, origin);
    return this.getGuests();
  }

  // ── payments ────────────────────────────────────────────────────────────────────────────────
  listPayments(): Payment[] {
    return entityEntries(this.payments).map(([id, m]) => readPayment(id, m));
  }

  getPayment(id: string): Payment | undefined {
    const m = this.payments.get(id);
    return m instanceof Y.Map ? readPayment(id, m) : undefined;
  }

  /** Creates or patches one payment; refuses what wedding-payments.ts assertPaymentChange refuses. */
  upsertPayment(input: PaymentInput | (Partial<Payment> & { id: string }), origin?: TxOrigin): Payment {
    return upsertPayment(this, input, origin);
  }

  deletePayment(id: string, origin?: TxOrigin): boolean {
    if (!this.payments.has(id)) return false;
    this.transact(() => this.payments.delete(id), origin);
    return true;
  }

  // ── messages (wedding-messages.ts) ──────────────────────────────────────────────────────────
  listMessages(): Message[] {
    return arrayEntities(this.messages).map(readMessage);
  }

  getMessage(id: string): Message | undefined {
    const m = messageMap(this.messages, id);
    return m ? readMessage(m) : undefined;
  }

  /** A message without its acknowledgements and deliveries (cheap: those maps can be large). */
  getMessageHeader(id: string): Omit<Message, 'acks' | 'deliveries'> | undefined {
    return messageHeader(this.messages, id);
  }

  /** Sends of a message by key (`<recipientId>/<channel>`); all of them when `keys` is omitted. */
  getDeliveries(messageId: string, keys?: readonly string[]): Delivery[] {
    return deliveriesOf(this.messages, messageId, keys);
  }

  /** Appends a message. Throws SchemaError `validation_failed`, `document_too_large`. */
  appendMessage(input: MessageInput, origin?: TxOrigin): Message {
    return appendMessage(this, input, origin);
  }

  /**
   * Records the state of one send. A status that may not follow the current one (a late `sent`
   * after `delivered`) is ignored; returns the delivery as it stands afterwards. Throws SchemaError
   * `not_found`, `validation_failed`.
   */
  recordDelivery(messageId: string, delivery: Delivery, origin?: TxOrigin): Delivery {
    return recordDelivery(this, messageId, delivery, origin);
  }

  /** Records that `recipientId` acknowledged the message; idempotent (the first time stands). Throws SchemaError `not_found`. */
  acknowledgeMessage(messageId: string, recipientId: string, at = new Date().toISOString(), origin?: TxOrigin): Message {
    return acknowledgeMessage(this, messageId, recipientId, at, origin);
  }

  // ── contacts ────────────────────────────────────────────────────────────────────────────────
  listContacts(): Contact[] {
    return entityEntries(this.contacts).map(([id, m]) => readContact(id, m)).sort((a, b) => a.name.localeCompare(b.name));
  }

  getContact(id: string): Contact | undefined {
    const m = this.contacts.get(id);
    return m instanceof Y.Map ? readContact(id, m) : undefined;
  }

  /**
   * Adds or edits a contact. A new contact with the id or e-mail of one a planner removed stands for
   * that person again: the removal is forgotten (contact-removals.ts), in the same transaction.
   * Throws SchemaError `validation_failed` (a bad field, or a `vendorId` the wedding has no vendor
   * for, issue path `vendorId`), `document_too_large`.
   */
  upsertContact(input: ContactInput | (Partial<Contact> & { id: string }), origin?: TxOrigin): Contact {
    return upsertContact(this, input, origin);
  }

  /**
   * Removes a contact and remembers the removal (contact-removals.ts), so no automatic path adds the
   * person back; `at` is the removal time (ISO 8601, UTC). False when there was no such contact.
   */
  deleteContact(id: string, origin?: TxOrigin, at: string = new Date().toISOString()): boolean {
    return deleteContact(this, id, origin, at);
  }

  /** The contacts planners removed, by removed contact id (contact-removals.ts). */
  listContactRemovals(): Map<string, ContactRemoval> {
    return listContactRemovals(this.ydoc);
  }

  /** The crew of a vendor: the contacts whose `vendorId` is it, by name. */
  crewOf(vendorId: string): Contact[] {
    return this.listContacts().filter((c) => c.vendorId === vendorId);
  }

  // ── tasks ───────────────────────────────────────────────────────────────────────────────────
  listTasks(): Task[] {
    return entityEntries(this.tasks).map(([id, m]) => readTask(id, m)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  getTask(id: string): Task | undefined {
    const m = this.tasks.get(id);
    return m instanceof Y.Map ? readTask(id, m) : undefined;
  }

  upsertTask(input: TaskInput | (Partial<Task> & { id: string }), origin?: TxOrigin): Task {
    const existing = this.getTask(input.id);
    const merged = existing
      ? { ...existing, ...input }
      : { status: 'open', createdAt: new Date().toISOString(), due: '', vendorId: '', category: '', eventIds: [], messageId: '', notes: '', ...input };
    const task = parseOrThrow(Task, merged, 'task');
    if (!existing) parseOrThrow(TaskInput, input, 'task');
    assertRoom(this.ydoc, { bytes: jsonBytes(input) });
    this.transact(() => setScalars(ensureEntity(this.tasks, task.id), task), origin);
    return task;
  }

  // ── budget ──────────────────────────────────────────────────────────────────────────────────
  getBudget(): BudgetSummary | null {
    if (this.budget.size === 0) return null;
    const parsed = BudgetSummary.safeParse(plainMap(this.budget));
    return parsed.success ? parsed.data : null;
  }

  /** Writes the derived budget; only values that changed are rewritten. */
  setBudget(summary: BudgetSummary, origin?: TxOrigin): BudgetSummary {
    const valid = parseOrThrow(BudgetSummary, summary, 'budget');
    this.transact(() => setScalars(this.budget, valid), origin);
    return valid;
  }

  // ── conflicts ───────────────────────────────────────────────────────────────────────────────
  listConflicts(): Conflict[] {
    return arrayEntities(this.conflicts).map((m) => plainMap(m) as Conflict);
  }

  appendConflict(conflict: Conflict, origin?: TxOrigin): Conflict {
    const valid = parseOrThrow(Conflict, conflict, 'conflict');
    this.transact(() => {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(valid)) m.set(k, v === undefined ? null : v);
      this.conflicts.push([m]);
    }, origin);
    return valid;
  }

  /** Marks a conflict resolved; the caller applies the winning value in the same transaction. */
  resolveConflict(id: string, resolution: { winner: 'local' | 'remote'; resolvedBy: string; at?: string }, origin?: TxOrigin): Conflict {
    const m = arrayEntities(this.conflicts).find((x) => x.get('id') === id);
    if (!m) throw new SchemaError('not_found', `no conflict ${id}`);
    this.transact(() => {
      m.set('status', 'resolved');
      m.set('winner', resolution.winner);
      m.set('resolvedBy', resolution.resolvedBy);
      m.set('resolvedAt', resolution.at ?? new Date().toISOString());
    }, origin);
    return plainMap(m) as Conflict;
  }

  // ── whole document ──────────────────────────────────────────────────────────────────────────
  /**
   * Entries that readers skip because they are not entities at all (a plain value or a Y.Text where
   * an entity's Y.Map belongs), and entities whose stored values do not satisfy their schema (read
   * with defaults in place of the bad values). Both can only be in documents stored before the
   * server checked every update against the schema (issue 10, item 4). Paths like `payments.p1`.
   */
  invalidEntries(): InvalidEntry[] {
    return invalidEntries(this);
  }

  toJSON(): WeddingJSON {
    return {
      meta: this.getMeta(),
      timeline: Object.fromEntries(this.listEvents().map((e) => [e.id, e])),
      vendors: Object.fromEntries(this.listVendors().map((v) => [v.id, v])),
      guests: this.getGuests(),
      payments: Object.fromEntries(this.listPayments().map((p) => [p.id, p])),
      messages: this.listMessages(),
      conflicts: this.listConflicts(),
      contacts: Object.fromEntries(this.listContacts().map((c) => [c.id, c])),
      tasks: Object.fromEntries(this.listTasks().map((t) => [t.id, t])),
      budget: this.getBudget(),
    };
  }
}
